"""The miniature archive: a small Django project shaped like dandi-archive where dandiops touches it.

It is run as a project (manage.py at this folder's root), never imported by dandiops itself.
"""
