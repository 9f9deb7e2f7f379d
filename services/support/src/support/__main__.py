from servicekit import cli
from support.bootstrap import build_runtime, create_app

cli.main(build_runtime, create_app)
