from tests.api.conftest import api  # noqa: F401 - the logged-in API client
from tests.workers.conftest import start_worker, worker_env  # noqa: F401 - a real worker
