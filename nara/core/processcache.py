"""A cache backend for what each server process keeps for itself (`CACHES["pages"]`): Django's
local-memory cache, but bounded in bytes rather than in entries (a rendered page may be 200 KB
or 2 KB; 2,000 entries of the large kind were 400 MB per process). Values are pickled, as in
Django's local-memory cache, so a caller can never change a copy another request reads.

OPTIONS: MAX_BYTES (default 64 MB) for the sum of the entries' sizes: a pickled value and
ENTRY_BYTES for what keeping it costs besides (its key, the records that keep the order and the
sizes), so that many small entries stay within the bound too. A value larger than an eighth of
it is not kept."""

import pickle
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

from .lru import LRU

ENTRY_BYTES = 512  # a key of ~60 characters, a tuple, an ordered-dict link, a size record


class ProcessCache(BaseCache):
    def __init__(self, name, params):
        super().__init__(params)
        self.max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", 64 * 2**20))
        self.entries = LRU()
        self.adding = threading.Lock()

    def _live(self, key):
        item = self.entries.recall(key)
        if item is None:
            return None
        expires, data = item
        if expires is not None and expires <= time.time():
            self.entries.drop(key)
            return None
        return data

    def get(self, key, default=None, version=None):
        data = self._live(self.make_and_validate_key(key, version=version))
        return default if data is None else pickle.loads(data)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        if len(data) > self.max_bytes // 8:
            self.entries.drop(key)  # an older copy must not outlive the newer one
            return
        expires = self.get_backend_timeout(timeout)
        self.entries.keep(key, (expires, data), self.max_bytes, size=ENTRY_BYTES + len(data))

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self.adding:
            if self._live(self.make_and_validate_key(key, version=version)) is not None:
                return False
            self.set(key, value, timeout, version)
            return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        data = self._live(key)
        if data is None:
            return False
        expires = self.get_backend_timeout(timeout)
        self.entries.keep(key, (expires, data), self.max_bytes, ENTRY_BYTES + len(data))
        return True

    def delete(self, key, version=None):
        return self.entries.drop(self.make_and_validate_key(key, version=version))

    def has_key(self, key, version=None):
        return self._live(self.make_and_validate_key(key, version=version)) is not None

    def clear(self):
        self.entries.forget()
