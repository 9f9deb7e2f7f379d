from servicekit import cli

from loyalty.bootstrap import build_runtime, create_app

cli.main(build_runtime, create_app)
