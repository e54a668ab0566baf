"""The seed's workloads for Locust, as FastHttpUser classes; pick one by name on the command line.

    locust -f bench/peers/locustfile.py --headless -u 50 -r 50 -t 10s --host http://127.0.0.1:PORT SeedSession

SingleGet sends GET /api/data in a loop. SeedSession is the seed's session: login, five page views and a
transaction, each status checked with catch_response. Neither waits between tasks (wait_time 0): the
benchmark measures how fast one generator process can drive the target.
"""

from locust import FastHttpUser, constant, task

LOGIN = {"username": "user-1", "password": "demo"}
TRANSACTION = {"amount": 42}


def expect(response, status):
    if response.status_code != status:
        response.failure(f"status {response.status_code}, expected {status}")


class SingleGet(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get("/api/data")


class SeedSession(FastHttpUser):
    wait_time = constant(0)

    @task
    def session(self):
        with self.client.post("/api/login", json=LOGIN, catch_response=True) as r:
            expect(r, 200)
        for _ in range(5):
            with self.client.get("/api/data", catch_response=True) as r:
                expect(r, 200)
        with self.client.post("/api/transaction", json=TRANSACTION, catch_response=True) as r:
            expect(r, 201)


class ExtractSession(FastHttpUser):
    """The seed session with a token: login's token extracted, sent as a bearer header, a JSON check on data."""

    wait_time = constant(0)

    @task
    def session(self):
        with self.client.post("/api/login", json=LOGIN, catch_response=True) as r:
            expect(r, 200)
            token = r.json().get("token")
        headers = {"authorization": f"Bearer {token}"}
        for _ in range(5):
            with self.client.get("/api/data", headers=headers, catch_response=True) as r:
                expect(r, 200)
                if r.json()["items"][0]["id"] != 1:
                    r.failure("$.items[0].id is not 1")
        with self.client.post("/api/transaction", json=TRANSACTION, headers=headers, catch_response=True) as r:
            expect(r, 201)
