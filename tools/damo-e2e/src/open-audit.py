# Runs damo.py (unmodified, as __main__) with a Python audit hook that logs every file and
# directory it opens under /proc and /sys, and whether it exists: what the simulation must
# serve. Usage: python3 open-audit.py DAMO_ARGS...  (env DAMO_PY, DAMO_OPEN_LOG)
import os
import runpy
import sys

log = open(os.environ["DAMO_OPEN_LOG"], "a")


def hook(event, args):
    if event == "open":
        path, mode = args[0], args[1] or "r"
    elif event in ("os.listdir", "os.scandir"):
        path, mode = args[0], "listdir"
    else:
        return
    if isinstance(path, str) and path.startswith(("/proc/", "/sys/")):
        log.write("%s %s %s\n" % ("ok" if os.path.exists(path) else "missing", mode, path))
        log.flush()


damo = os.environ["DAMO_PY"]
sys.argv = [damo] + sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(damo)))
sys.addaudithook(hook)
runpy.run_path(damo, run_name="__main__")
