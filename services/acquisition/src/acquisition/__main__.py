import sys

from acquisition import reconcile
from acquisition.bootstrap import build_runtime, create_app
from servicekit import cli

if sys.argv[1:2] == ["reconcile"]:
    sys.exit(reconcile.main(build_runtime(), sys.argv[2:]))
cli.main(build_runtime, create_app)
