"""The Netlify stand-in: the API dandiops uses (sites, team variables, builds, deploys, HTTPS), builds of the
linked GitHub fork, and the published sites, served on loopback for the web hosts the sandbox routes."""
