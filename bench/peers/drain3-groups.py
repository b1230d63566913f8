"""Groups messages with drain3 as it comes, untuned: reads one JSON string per line on stdin, writes one cluster id
per line on stdout, then a last line {"seconds": S} with the CPU time spent in add_log_message alone."""
import json
import logging
import sys
import time

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig

logging.disable(logging.CRITICAL)
# The package's defaults (no masking instructions, sim_th 0.4, depth 4), without reading any drain3.ini.
miner = TemplateMiner(config=TemplateMinerConfig())
messages = [json.loads(line) for line in sys.stdin if line.strip()]
started = time.process_time()
ids = [miner.add_log_message(m)["cluster_id"] for m in messages]
seconds = time.process_time() - started
out = sys.stdout
out.write("\n".join(str(i) for i in ids))
out.write("\n" + json.dumps({"seconds": seconds}) + "\n")
