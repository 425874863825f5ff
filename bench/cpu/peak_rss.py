"""Runs a command, passes its output through, then prints its peak RSS as one JSON line:
{"child_peak_rss_mb": N}. Used by `deno task bench cpu` to measure the Graft worker the same
way PyTorch's side measures itself (getrusage ru_maxrss), as Deno cannot read /proc without -A.
"""
import json
import resource
import subprocess
import sys

code = subprocess.call(sys.argv[1:])
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"child_peak_rss_mb": peak}), flush=True)
sys.exit(code)
