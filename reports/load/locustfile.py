"""Load on the API's ledger (issue 14): integrators reading one-book ledgers and paging the
enterprise list at once. Run by `manage.py bench_load`, which starts gunicorn on the loopback,
issues a read token and passes it here in BENCH_TOKEN with the id range to draw from."""
import base64
import os
import random
from urllib.parse import urlencode

from locust import HttpUser, constant, task

LOW, HIGH = int(os.environ["BENCH_MIN_ID"]), int(os.environ["BENCH_MAX_ID"])


def _cursor(position: int) -> str:
    return base64.b64encode(urlencode({"p": position}).encode("ascii")).decode("ascii")


class Integrator(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {os.environ['BENCH_TOKEN']}"

    @task(3)
    def ledger(self):
        self.client.get(f"/api/v1/enterprises/{random.randint(LOW, HIGH)}/", name="/api/v1/enterprises/{id}/")

    @task(1)
    def list_page(self):
        self.client.get(f"/api/v1/enterprises/?cursor={_cursor(random.randint(LOW, HIGH))}",
                        name="/api/v1/enterprises/?cursor=")
