"""A plan does the optimizer updates of all variables in one fused step: the numbers are those of the
op-by-op updates (which the numerics debugger still runs), bit for bit, whatever else touches the
variables between runs."""

import numpy as np
import pytest

import engine as tf
from engine.debug import DebugSession

RNG = np.random.default_rng(7)
X = RNG.standard_normal((16, 3)).astype(np.float32)
Y = RNG.standard_normal((16, 1)).astype(np.float32)


def _model(optimizer, dtypes=(np.float32, np.float32, np.float32)):
    """A two-layer regression whose variables may differ in dtype; returns (train_op, variables, loss)."""
    kernel = tf.Variable(RNG.standard_normal((3, 4)).astype(dtypes[0]))
    bias = tf.Variable(np.full(4, 0.1, dtypes[1]))
    out = tf.Variable(RNG.standard_normal((4, 1)).astype(dtypes[2]))
    hidden = tf.nn.relu(tf.matmul(tf.constant(X), kernel) + bias)
    prediction = tf.matmul(tf.cast(hidden, out.dtype), out)
    loss = tf.reduce_mean(tf.square(tf.cast(prediction, tf.float32) - Y))
    return optimizer.minimize(loss), [kernel, bias, out], loss


def _train(session, train_op, variables, steps=5):
    for _ in range(steps):
        session.run(train_op)
    return session.run(variables)


OPTIMIZERS = {
    "adam": lambda: tf.train.AdamOptimizer(0.05),
    "momentum_nesterov": lambda: tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
    "rmsprop_centered": lambda: tf.train.RMSPropOptimizer(0.05, momentum=0.5, centered=True),
    "ftrl": lambda: tf.train.FtrlOptimizer(0.1, l1_regularization_strength=0.01),
    "adagrad": lambda: tf.train.AdagradOptimizer(0.1),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_fused_updates_give_the_op_by_op_numbers_bit_for_bit(name):
    train_op, variables, _ = _model(OPTIMIZERS[name]())
    init = tf.global_variables_initializer()
    with tf.Session() as fused, tf.Session() as plain:
        fused.run(init)
        plain.run(init)
        start = fused.run(variables)
        watched = DebugSession(plain, check_numerics=False, interactive=False)  # runs the steps one by one
        got, want = _train(fused, train_op, variables), _train(watched, train_op, variables)
        stored = [fused._state.variables[v._var_name] for v in variables]
    for g, w, s in zip(got, want, start, strict=True):
        np.testing.assert_array_equal(g, w)
        assert g.dtype == np.float32 and not np.array_equal(g, s)
    assert stored[0].base is stored[1].base is stored[2].base is not None  # one update of their concatenation


def test_an_assign_between_steps_is_seen_by_the_next_fused_update():
    train_op, (kernel, bias, out), _ = _model(tf.train.AdamOptimizer(0.05))
    reset = kernel.assign(np.ones((3, 4), np.float32))
    with tf.Session() as fused, tf.Session() as plain:
        for sess in (fused, plain):
            sess.run(tf.global_variables_initializer())
        watched = DebugSession(plain, check_numerics=False, interactive=False)
        for sess in (fused, watched):
            _train(sess, train_op, [kernel], steps=2)
            sess.run(reset)
        got = _train(fused, train_op, [kernel, bias, out], steps=2)
        want = _train(watched, train_op, [kernel, bias, out], steps=2)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    assert not np.array_equal(got[0], np.ones((3, 4)))  # trained on from the assigned value


def test_a_variable_fetched_with_its_update_is_the_value_before_it_and_never_changes():
    train_op, (kernel, _, _), _ = _model(tf.train.AdamOptimizer(0.05))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        start = sess.run(kernel)
        _, before = sess.run([train_op, kernel])
        kept = before.copy()
        after = _train(sess, train_op, [kernel], steps=3)[0]
    np.testing.assert_array_equal(before, start)
    np.testing.assert_array_equal(before, kept)
    assert not np.array_equal(after, start)


def test_variables_of_different_dtypes_are_updated_one_by_one_with_their_own_numbers():
    train_op, variables, _ = _model(tf.train.AdamOptimizer(0.05), (np.float32, np.float32, np.float64))
    init = tf.global_variables_initializer()
    with tf.Session() as fused, tf.Session() as plain:
        fused.run(init)
        plain.run(init)
        watched = DebugSession(plain, check_numerics=False, interactive=False)
        got, want = _train(fused, train_op, variables), _train(watched, train_op, variables)
    assert [g.dtype for g in got] == [np.float32, np.float32, np.float64]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_an_uninitialized_slot_is_reported_by_its_own_update_op():
    train_op, (kernel, bias, _), _ = _model(tf.train.AdamOptimizer(0.05))
    optimizer_slots = [v for v in tf.global_variables() if v.op.name.endswith("/Adam_1")]
    with tf.Session() as sess:
        sess.run(tf.variables_initializer([v for v in tf.global_variables() if v is not optimizer_slots[1]]))
        with pytest.raises(tf.errors.FailedPreconditionError) as raised:
            sess.run(train_op)
    assert f"Attempting to use uninitialized value {optimizer_slots[1].op.name}" in str(raised.value)
    assert "update_Variable_1/ApplyAdam" in str(raised.value)


def test_a_restored_checkpoint_continues_training_as_the_uninterrupted_run(tmp_path):
    train_op, variables, _ = _model(tf.train.AdamOptimizer(0.05))
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _train(sess, train_op, variables, steps=2)
        path = saver.save(sess, str(tmp_path / "model"))
        straight = _train(sess, train_op, variables, steps=3)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _train(sess, train_op, variables, steps=4)  # fused layout of other values, replaced by the restore
        saver.restore(sess, path)
        resumed = _train(sess, train_op, variables, steps=3)
    for s, r in zip(straight, resumed, strict=True):
        np.testing.assert_array_equal(s, r)


def test_a_value_assigned_from_an_updated_variable_keeps_its_value_as_training_goes_on():
    train_op, (kernel, _, _), _ = _model(tf.train.AdamOptimizer(0.05))
    copy = tf.Variable(np.zeros((3, 4), np.float32))
    snapshot = copy.assign(kernel)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _train(sess, train_op, [kernel], steps=3)
        sess.run(snapshot)
        taken = sess.run(kernel)
        later = _train(sess, train_op, [kernel], steps=3)[0]
        np.testing.assert_array_equal(sess.run(copy), taken)
    assert not np.array_equal(later, taken)


def test_a_large_variable_is_updated_on_its_own_inside_the_fused_step():
    big = tf.Variable(RNG.standard_normal((3, 30000)).astype(np.float32))  # over 2**16 elements
    train_op, variables, loss = _model(tf.train.AdamOptimizer(0.05))
    total = loss + tf.reduce_mean(tf.square(big))
    train_op = tf.train.AdamOptimizer(0.05).minimize(total)
    variables = [big, *variables]
    init = tf.global_variables_initializer()
    with tf.Session() as fused, tf.Session() as plain:
        fused.run(init)
        plain.run(init)
        watched = DebugSession(plain, check_numerics=False, interactive=False)
        got, want = _train(fused, train_op, variables, steps=3), _train(watched, train_op, variables, steps=3)
        stored = [fused._state.variables[v._var_name] for v in variables]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    assert stored[0].base is None  # its own array, not in a concatenation
    assert stored[1].base is stored[2].base is stored[3].base is not None


def test_plans_of_the_same_updates_share_their_buffers_and_give_the_op_by_op_numbers():
    # a training loop alternates the plan of its plain steps with that of its summary steps: both use
    # one fused update, so switching does not lay the variables out anew
    train_op, variables, loss = _model(tf.train.AdagradOptimizer(0.1))
    with tf.Session() as fused, tf.Session() as plain:
        for sess in (fused, plain):
            sess.run(tf.global_variables_initializer())
        watched = DebugSession(plain, check_numerics=False, interactive=False)
        stored = []
        for fetches in (train_op, [train_op, loss], train_op):
            fused.run(fetches)
            watched.run(fetches)
            stored.append(fused._state.variables[variables[0]._var_name])
        np.testing.assert_array_equal(fused.run(variables[0]), watched.run(variables[0]))
    # double-buffered: the first and third runs wrote the same buffer
    assert np.shares_memory(stored[0], stored[2]) and not np.shares_memory(stored[0], stored[1])
