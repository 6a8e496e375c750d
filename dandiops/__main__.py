from dandiops.cli.main import run

run()
