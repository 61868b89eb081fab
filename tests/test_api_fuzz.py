"""API fuzzing: schemathesis generates requests from /api/v1/openapi.json for every operation.

Signed in with a personal API token of an algemeen directeur (who may do the most), no generated
request may answer a server error, and every documented response must match its schema.
The number of examples per operation is bounded so the suite stays quick in CI.
"""

from __future__ import annotations

import schemathesis
from flask import g
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from portal.extensions import db
from tests.matrix import token_headers

EXAMPLES = 12


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    for result in schema.get_all_operations():
        yield result.ok()


def test_generated_requests_never_answer_a_server_error(app, world):
    # One token of an AD of "owner" (who may do the most); token routes are tested elsewhere.
    headers = token_headers(world.user("owner", "ad"))
    failures: list[str] = []
    operations = 0
    for operation in _operations(app):
        if operation.path.startswith("/api/v1/tokens"):
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            # Like the test client: each request starts with an empty g, and with our token
            # (a generated Authorization header would only test the 401).
            g.__dict__.clear()
            case.headers = {**(case.headers or {}), **headers}
            case.call_and_validate(
                headers=headers,
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            )

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # schemathesis groups its failures
            failures.append(f"{operation.label}: {str(error)[:600]}")
            db.session.rollback()  # a failed statement must not poison the next operation's requests
    assert operations > 20
    assert failures == [], "\n\n".join(failures)
