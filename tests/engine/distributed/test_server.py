"""A ps task's serving thread answers a request its kernels refuse with the reason, named by the client
with the ps it came from, and goes on serving."""

import numpy as np
import pytest

import engine as tf
from engine import errors
from engine.distribute.client import PsClients
from tests.engine.distributed.cluster import cluster_of


def test_a_refused_push_is_answered_with_why_and_the_ps_serves_on():
    cluster = cluster_of(ps=1)
    server = tf.train.Server(cluster, job_name="ps", task_index=0)
    clients = PsClients(cluster["ps"], timeout_secs=5)
    try:
        clients.request({0: ({"cmd": "init", "step": 0, "names": ["w"]}, [np.ones(2, np.float32)])})
        bad = {"cmd": "push", "ops": [["NoSuchApply", {"var_name": "w"}, 1]], "names": ["w"], "step": 0}
        with pytest.raises(errors.InternalError) as refused:
            clients.request({0: (bad, [np.ones(2, np.float32)])})
        expected = f"parameter server ps:0 at {cluster['ps'][0]} refused a request: KeyError: 'NoSuchApply'"
        assert expected in str(refused.value)
        ((_, (w,)),) = clients.request({0: ({"cmd": "pull", "names": ["w"]}, [])}).values()
        assert w.tolist() == [1.0, 1.0]  # nothing of the refused push was applied
    finally:
        clients.close()
        server.stop()
