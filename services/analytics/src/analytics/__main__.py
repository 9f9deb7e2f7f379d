from analytics.bootstrap import build_runtime, create_app
from servicekit import cli

cli.main(build_runtime, create_app)
