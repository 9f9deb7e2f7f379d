"""What acquisition stored can be read by a new process: a restarted service or a command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from uuid import uuid4

from acquisition.app import Acquisition
from acquisition.domain.lead import LeadSource
from acquisition.settings import AcquisitionSettings
from servicekit.eventstore import store_environment

READ_BACK = """
import sys
from uuid import UUID
from acquisition.app import Acquisition
from acquisition.settings import AcquisitionSettings
from servicekit.eventstore import store_environment
app = Acquisition(store_environment(AcquisitionSettings(var_dir=sys.argv[1])))
lead = app.lead(UUID(sys.argv[2]))
customers = [app.customer(lead.customer_id), app.customer(UUID(sys.argv[3]))]
print(lead.status.value, sorted(str(c.erp_customer_number) for c in customers))
"""


def test_a_new_process_reads_every_kind_of_stored_event(tmp_path: Path) -> None:
    app = Acquisition(store_environment(AcquisitionSettings(var_dir=tmp_path)))
    lead = app.capture_lead(uuid4(), "Ada", "L", None, None, None, LeadSource.REFERRAL)
    app.convert_lead(lead.id)
    customer = app.register_customer(uuid4(), "Grace", "H", None, None, None, None, "store")
    customer.link_erp_customer_number("ERP-9")
    app.save(customer)
    app.close()

    read = subprocess.run(
        [sys.executable, "-c", READ_BACK, str(tmp_path), str(lead.id), str(customer.id)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert read.returncode == 0, read.stderr
    assert read.stdout.split() == ["converted", "['ERP-9',", "'None']"]
