"""A realistic load for a real deployment, the evening before a deadline: mostly students signing in,
opening their lessons and exercises again and again and checking "My learning"; a few coordinators
refreshing their dashboards; anonymous visitors browsing the catalogue.

    locust -f bench/locustfile.py --host https://lyceum.example [--users 300 --spawn-rate 10]

(headless: add `--headless --run-time 10m`). The accounts must exist on that deployment and share one
password (a staging copy, or the demo accounts of `seed_demo`, which are the defaults):

    LOCUST_STUDENTS      comma-separated e-mail addresses of students with active enrolments
    LOCUST_COORDINATORS  comma-separated e-mail addresses of coordinators
    LOCUST_PASSWORD      their password (default: the demo password)

Each simulated student signs in once through the log-in form (as a browser: CSRF token, Referer), finds
their courses and lessons from the pages themselves, and then reads; it never submits a notebook (that
is the grading benchmark's job, bench/grading.py). bench/web.py measures addresses one at a time on
loopback; this file measures the whole mix, through the real reverse proxy.
"""

from __future__ import annotations

import itertools
import os
import random
import re

from locust import HttpUser, between, task

STUDENTS = os.environ.get("LOCUST_STUDENTS", "student@example.org,student2@example.org").split(",")
COORDINATORS = os.environ.get(
    "LOCUST_COORDINATORS", "coordinator@example.org,coordinator2@example.org"
).split(",")
PASSWORD = os.environ.get("LOCUST_PASSWORD", "demo-password")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LINK = re.compile(r'href="(/[^"#?]*)"')

_students = itertools.cycle(STUDENTS)
_coordinators = itertools.cycle(COORDINATORS)


def _links_under(html: str, prefix: str) -> list[str]:
    """The site's own links deeper than *prefix* (a course's lessons under its page)."""
    return sorted({link for link in LINK.findall(html) if link.startswith(prefix) and link != prefix})


class SignedInUser(HttpUser):
    abstract = True
    accounts: itertools.cycle

    def on_start(self) -> None:
        self.email = next(self.accounts)
        form = self.client.get("/accounts/login/", name="log in (form)")
        token = CSRF_FIELD.search(form.text)
        with self.client.post(
            "/accounts/login/",
            data={"login": self.email, "password": PASSWORD, "csrfmiddlewaretoken": token and token.group(1)},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="log in",
            catch_response=True,
        ) as response:
            if "/accounts/login/" in response.url:
                response.failure(f"could not log in as {self.email}")


class Student(SignedInUser):
    """Reads lessons (some with an exercise) and checks "My learning" between them."""

    weight = 8
    wait_time = between(2, 8)
    accounts = _students

    def on_start(self) -> None:
        super().on_start()
        self.lessons: list[str] = []
        learning = self.client.get("/learning/", name="my learning")
        for course in LINK.findall(learning.text):
            if course.startswith("/catalog/") and course.count("/") >= 4:
                page = self.client.get(course, name="course page")
                self.lessons += _links_under(page.text, course)

    @task(6)
    def lesson(self) -> None:
        if self.lessons:
            self.client.get(random.choice(self.lessons), name="lesson")

    @task(2)
    def my_learning(self) -> None:
        self.client.get("/learning/", name="my learning")


class Coordinator(SignedInUser):
    """Opens the dashboard (which leads to their municipality's) and the study groups."""

    weight = 1
    wait_time = between(5, 20)
    accounts = _coordinators

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/network/dashboard/", name="dashboard")

    @task(1)
    def groups(self) -> None:
        self.client.get("/network/groups/", name="study groups")


class Visitor(HttpUser):
    """Someone not signed in: the home page, the catalogue, a course."""

    weight = 2
    wait_time = between(3, 10)

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="home (anonymous)")

    @task(3)
    def catalogue(self) -> None:
        page = self.client.get("/catalog/", name="catalogue (anonymous)")
        courses = _links_under(page.text, "/catalog/")
        if courses:
            self.client.get(random.choice(courses), name="track or course (anonymous)")
