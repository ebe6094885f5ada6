"""Parses metrics text from stdin with prometheus_client's own parsers (Debian's
python3-prometheus-client) and prints one JSON object per sample, for MetricsIT.

    python3 parse_metrics.py openmetrics|prometheus < text

Any parse error (a malformed line, a missing "# EOF" in OpenMetrics, a bad type) is an
exception: a traceback on stderr and exit status 1.
"""
import json
import sys

fmt = sys.argv[1]
text = sys.stdin.read()
if fmt == "openmetrics":
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
elif fmt == "prometheus":
    from prometheus_client.parser import text_string_to_metric_families
else:
    sys.exit("format must be openmetrics or prometheus, got " + fmt)

for family in text_string_to_metric_families(text):
    for s in family.samples:
        print(json.dumps({"family": family.name, "type": family.type, "unit": getattr(family, "unit", ""),
                          "name": s.name, "labels": s.labels, "value": s.value}))
