from servicekit import cli

from analytics.bootstrap import build_runtime, create_app

cli.main(build_runtime, create_app)
