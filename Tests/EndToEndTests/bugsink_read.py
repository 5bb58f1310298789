#!/usr/bin/env python3
"""Prints, as JSON, the events stored by the Bugsink of Tests/EndToEndTests/bugsink_up.sh (read through its
Django ORM; read-only). Run it with the e2e venv's python (it has bugsink).

Usage: bugsink_read.py [--event-id HEX]...
Output: {"count": n, "events": [{"event_id", "level", "platform", "release", "environment", "server_name",
         "sdk_name", "calculated_type", "calculated_value", "tags" (as indexed), "data" (the stored JSON)}]}
"""
import json
import os
import sys

DIR = os.environ.get("CSC_BUGSINK_DIR") or os.path.join(os.environ.get("TMPDIR", "/tmp"), "cscope-bugsink-%d" % os.getuid())


def main(argv):
    ids = [argv[i + 1].replace("-", "") for i, a in enumerate(argv) if a == "--event-id"]
    state = json.load(open(os.path.join(DIR, "state.json")))
    sys.path.insert(0, state["conf_dir"])
    os.environ["DJANGO_SETTINGS_MODULE"] = state["settings_module"]
    import logging
    logging.disable(logging.CRITICAL)
    import django
    django.setup()
    from events.models import Event

    qs = Event.objects.filter(project_id=state["project_id"])
    if ids:
        qs = qs.filter(event_id__in=ids)
    out = []
    for ev in qs:
        out.append({"event_id": ev.event_id.hex, "level": ev.level, "platform": ev.platform, "release": ev.release,
                    "environment": ev.environment, "server_name": ev.server_name, "sdk_name": ev.sdk_name,
                    "calculated_type": ev.calculated_type, "calculated_value": ev.calculated_value,
                    "tags": {t.value.key.key: t.value.value for t in ev.tags.select_related("value", "value__key")},
                    "data": ev.get_parsed_data()})
    json.dump({"count": len(out), "events": out}, sys.stdout, indent=1, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
