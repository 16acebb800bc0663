import sys

from accelscope.cli import main

sys.exit(main())
