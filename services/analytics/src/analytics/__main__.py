import asyncio
import sys

from analytics.bootstrap import build_runtime, create_app
from analytics.rebuild import rebuild_beside
from analytics.settings import AnalyticsSettings
from servicekit import cli, logs

if sys.argv[1:] == ["rebuild-views", "--beside"]:
    # the zero-downtime variant: build a new version beside the live views, then switch
    settings = AnalyticsSettings()
    logs.configure(settings.service_name, "WARNING")
    version = asyncio.run(rebuild_beside(settings))
    print(f"{settings.service_name} views: version {version} built and switched to")
else:
    cli.main(build_runtime, create_app)
