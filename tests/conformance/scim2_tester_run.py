"""Runs scim2-tester (pinned in .ci/install-deps) against a running zszo-connector.

Usage: scim2_tester_run.py BASE_URL TOKEN SCHOOL MANAGER_ID (one-school|city-wide)

Prints one JSON object per line: {"title", "status", "reason", "resource_type"}.

The checkers fill every writable attribute with random values. Some of ours must name things
that exist or follow a rule, so the run tells the checkers which values to use, as an
administrator configures any client's attribute mapping:

- the ZSZO `schools`, `primarySchool` and the Group's `school` are SCHOOL (a client may only
  name schools it holds);
- the enterprise `manager.value` is MANAGER_ID, an existing person;
- `title` and the ZSZO `position` get one value (they are one directory attribute);
- city-wide (any client holding several schools): every created User and Group carries the
  ZSZO extension naming SCHOOL (such a client must say which); one-school: created resources
  do not carry it (the school is implied).
"""

import json
import sys

import scim2_tester.filling as filling
from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import Resource
from scim2_tester import check_server

ZSZO_USER = "urn:zszo:params:scim:schemas:extension:zszo:2.0:User"
ZSZO_GROUP = "urn:zszo:params:scim:schemas:extension:zszo:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
POSITION = "nauczyciel"


def set_examples(model, field, values):
    info = model.model_fields.get(field)
    if info is not None:
        info.examples = values


def main() -> None:
    base, token, school, manager, mode = sys.argv[1:6]
    def log_failure(response):
        if response.status_code >= 400:
            request = response.request
            body = request.content.decode("utf-8", "replace")[:1500]
            print(f"{request.method} {request.url} -> {response.status_code}: if-match={request.headers.get('if-match')} {body}", file=sys.stderr)

    client = SyncSCIMClient(
        Client(
            base_url=base,
            headers={"Authorization": f"Bearer {token}"},
            event_hooks={"response": [log_failure]},
        )
    )
    client.discover()
    for model in client.provider.models:
        urn = str(getattr(model, "__schema__", ""))
        if urn == ZSZO_USER:
            set_examples(model, "schools", [school])
            set_examples(model, "primary_school", [school])
            set_examples(model, "position", [POSITION])
        elif urn == ZSZO_GROUP:
            set_examples(model, "school", [school])
        elif urn == CORE_USER:
            set_examples(model, "title", [POSITION])
    # The resource models are the core ones parametrized with their extensions, with their
    # own copies of fields and sub-models: say the same there.
    def walk(model, seen):
        if model in seen or not hasattr(model, "model_fields"):
            return
        seen.add(model)
        if model.__name__ == "Manager":
            set_examples(model, "value", [manager])
        for info in model.model_fields.values():
            annotation = info.annotation
            for candidate in getattr(annotation, "__args__", (annotation,)):
                for inner in getattr(candidate, "__args__", (candidate,)):
                    if isinstance(inner, type):
                        walk(inner, seen)

    seen = set()
    for name in ("User", "Group"):
        resource = client.provider.model_for(name)
        if resource is None:
            continue
        if name == "User":
            set_examples(resource, "title", [POSITION])
        walk(resource, seen)
        for ext in resource.get_extension_models().values():
            walk(ext, seen)

    if mode == "city-wide":
        fill = filling.fill_with_random_values

        def fill_naming_the_school(context, obj, *args, **kwargs):
            obj = fill(context, obj, *args, **kwargs)
            if isinstance(obj, Resource):
                for urn, ext in type(obj).get_extension_models().items():
                    if urn == ZSZO_USER and obj[ext] is None:
                        obj[ext] = ext(schools=[school], primary_school=school)
                    elif urn == ZSZO_GROUP and obj[ext] is None:
                        obj[ext] = ext(school=school)
            return obj

        for name, module in list(sys.modules.items()):
            if name.startswith("scim2_tester") and getattr(
                module, "fill_with_random_values", None
            ) is fill:
                module.fill_with_random_values = fill_naming_the_school

    for result in check_server(client):
        print(
            json.dumps(
                {
                    "title": result.title,
                    "status": result.status.name,
                    "reason": result.reason,
                    "resource_type": result.resource_type,
                    "data": str(result.data)[:700] if result.status.name not in ("SUCCESS", "SKIPPED") else None,
                }
            )
        )


if __name__ == "__main__":
    main()
