"""A dictionary that forgets its least recently used entries beyond a limit, safe to share
between a server's threads (what `{% memo %}` and `PreparedQuery` keep per process).

The limit is on the sum of the entries' sizes: each entry counts 1 unless `keep` is given
its `size` (`{% memo %}` gives bytes)."""

import threading
from collections import OrderedDict


class LRU(OrderedDict):
    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()
        self.sizes: dict = {}
        self.total = 0  # sum of `sizes`

    def recall(self, key):
        """The entry under `key` (now the most recently used), or None."""
        with self.lock:
            value = self.get(key)
            if value is not None:
                self.move_to_end(key)
            return value

    def keep(self, key, value, limit: int, size: int = 1) -> None:
        """Keep `value` under `key`, forgetting the least recently used entries while the
        sizes add up to more than `limit`. An entry larger than `limit` is not kept."""
        if size > limit:
            return
        with self.lock:
            self.total += size - self.sizes.get(key, 0)
            self.sizes[key] = size
            self[key] = value
            self.move_to_end(key)
            while self.total > limit:
                oldest, _value = self.popitem(last=False)
                self.total -= self.sizes.pop(oldest)

    def drop(self, key) -> bool:
        """Forget the entry under `key`; True if there was one."""
        with self.lock:
            if key not in self:
                return False
            del self[key]
            self.total -= self.sizes.pop(key)
            return True

    def forget(self) -> None:
        with self.lock:
            self.clear()
            self.sizes.clear()
            self.total = 0
