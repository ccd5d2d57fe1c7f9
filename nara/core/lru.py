"""A dictionary that forgets its least recently used entries beyond a limit, safe to share
between a server's threads (what `{% memo %}` and `PreparedQuery` keep per process)."""

import threading
from collections import OrderedDict


class LRU(OrderedDict):
    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()

    def recall(self, key):
        """The entry under `key` (now the most recently used), or None."""
        with self._lock:
            value = self.get(key)
            if value is not None:
                self.move_to_end(key)
            return value

    def keep(self, key, value, limit: int) -> None:
        """Keep `value` under `key`, forgetting the oldest entries beyond `limit`."""
        with self._lock:
            self[key] = value
            self.move_to_end(key)
            while len(self) > limit:
                self.popitem(last=False)

    def forget(self) -> None:
        with self._lock:
            self.clear()
