"""One address under load, for bench/web.py (not for operators: see bench/locustfile.py).

BENCH_PATH       the address (GET), which must answer 200 without redirecting
BENCH_SESSION    a session cookie to send (a signed-in page), or empty
BENCH_WAIT       seconds each user waits between requests (0: as fast as the server answers)
BENCH_REQUESTS   stop after this many requests (locust's --run-time bounds the time)
"""

import os

from locust import FastHttpUser, between, constant, task

PATH = os.environ["BENCH_PATH"]
SESSION = os.environ.get("BENCH_SESSION", "")
WAIT = float(os.environ.get("BENCH_WAIT", "0"))
MAX_REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100000"))


class EndpointUser(FastHttpUser):
    wait_time = between(WAIT / 2, WAIT * 3 / 2) if WAIT else constant(0)
    # Browsers ask for compressed responses; the static file is then served from its Brotli copy.
    default_headers = {"Accept-Encoding": "br, gzip", "Accept-Language": "ru"}

    def on_start(self) -> None:
        self.headers = {"Cookie": f"sessionid={SESSION}"} if SESSION else {}

    @task
    def fetch(self) -> None:
        stats = self.environment.stats.total
        if stats.num_requests >= MAX_REQUESTS:
            self.environment.runner.quit()
            return
        with self.client.get(
            PATH, name=PATH, headers=self.headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
