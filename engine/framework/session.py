"""`tf.Session`: runs parts of a graph. Each (fetch structure, feed keys) compiles to a Plan once."""

import numpy as np

from engine.framework.graph import Operation, Tensor, get_default_graph
from engine.framework.plan import Plan
from engine.framework.sparse_tensor import SparseTensor, SparseTensorValue
from engine.framework.state import RunState

_session_stack = []
# set by engine.debug.install: called with every new session, so that debug mode can wrap its runs
on_new_session = None


def get_default_session():
    return _session_stack[-1] if _session_stack else None


def _structure(fetch, graph):
    """A hashable description of a fetch structure whose leaves are graph elements (its cache key)."""
    if isinstance(fetch, Tensor | Operation):
        return fetch
    if isinstance(fetch, SparseTensor):  # fetched as a SparseTensorValue of its three tensors, as in TF
        fetch = SparseTensorValue(fetch.indices, fetch.values, fetch.dense_shape)
    if isinstance(fetch, list | tuple):
        return (type(fetch), tuple(_structure(f, graph) for f in fetch))
    if isinstance(fetch, dict):
        return (type(fetch), tuple((k, _structure(v, graph)) for k, v in fetch.items()))
    if fetch is None:
        raise TypeError("Fetch argument None has invalid type <class 'NoneType'>")
    try:
        return graph.as_graph_element(fetch)
    except (TypeError, ValueError, KeyError) as err:
        raise type(err)(f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. ({err})") from None


def _is_node(structure):
    return isinstance(structure, tuple) and len(structure) == 2 and isinstance(structure[0], type)


def _leaves(structure, out):
    if _is_node(structure):
        kind, items = structure
        for item in items:
            _leaves(item[1] if issubclass(kind, dict) else item, out)
    else:
        out.append(structure)
    return out


def _output(value):
    """The value returned to the caller: numpy scalars for 0-d results, never a buffer we keep."""
    if type(value) is np.ndarray:
        if value.ndim == 0:
            return value[()]
        if not value.flags.writeable:
            return value.copy()
    return value


def _rebuild(structure, values):
    """Packs flat fetched values back into the caller's structure (namedtuples included)."""
    it = iter(values)

    def build(s):
        if _is_node(s):
            kind, items = s
            if issubclass(kind, dict):
                return kind((k, build(v)) for k, v in items)
            built = [build(item) for item in items]
            if kind is list:
                return built
            return kind(*built) if hasattr(kind, "_fields") else kind(built)
        return next(it)

    return build(structure)


class BaseSession:
    # Plan's `rewrite` for this session's plans (a cluster session orders its ps reads late)
    _plan_rewrite = None

    def __init__(self, target="", graph=None, config=None):
        self._graph = graph or get_default_graph()
        self._state = RunState()
        self._plans = {}
        self._closed = False
        self._default_ctx = []
        if on_new_session is not None:
            on_new_session(self)

    graph = property(lambda self: self._graph)
    graph_def = property(lambda self: self._graph.as_graph_def())
    sess_str = property(lambda self: "")

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Computes `fetches` (a tensor, an op, or any nesting of lists, tuples and dicts of them)."""
        return self._run(fetches, feed_dict, None)

    def _run(self, fetches, feed_dict, observe):
        """`run`, handing the numerics debugger's `observe` hook (or None) to the plan."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        feed_dict = feed_dict or {}
        structure = _structure(fetches, self._graph)
        key = (structure, tuple(feed_dict))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._compile(structure, feed_dict)
            self._plans[key] = plan
        values = plan.execute(feed_dict.values(), observe)
        if structure is fetches:
            return _output(values[0])
        return _rebuild(structure, [_output(v) for v in values])

    def _compile(self, structure, feed_dict):
        fetches = _leaves(structure, [])
        feeds = [self._feed_tensor(k) for k in feed_dict]
        for f in fetches:
            if f.graph is not self._graph:
                raise ValueError(f"Fetch {f!r} is not an element of this graph.")
        return Plan(fetches, feeds, self._state, self._plan_rewrite)

    def _feed_tensor(self, key):
        if hasattr(key, "__tf_tensor__") and not isinstance(key, Tensor):
            key = key.__tf_tensor__(None, None)
        try:
            tensor = self._graph.as_graph_element(key)
        except (TypeError, ValueError, KeyError) as err:
            raise TypeError(f"Cannot interpret feed_dict key {key!r} as a Tensor: {err}") from None
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Cannot feed the operation {key!r}: feed_dict keys must be tensors.")
        return tensor

    def make_callable(self, fetches, feed_list=None):
        """A function running `fetches` with positional feed values: the fastest way to call a plan."""
        feed_list = list(feed_list or [])
        structure = _structure(fetches, self._graph)
        plan = self._compile(structure, dict.fromkeys(feed_list))
        single = structure is fetches
        # a flat list of tensors and ops (a hooked session's merged fetches) needs no rebuild
        flat = type(fetches) is list and not any(_is_node(s) for s in structure[1])

        def call(*feed_values):
            values = plan.execute(feed_values)
            if single:
                return _output(values[0])
            outputs = [_output(v) for v in values]
            return outputs if flat else _rebuild(structure, outputs)

        return call

    def close(self):
        self._closed = True
        self._plans.clear()
        self._state.resources.clear()  # as TF frees a session's resources: dataset iterators stop their threads

    def as_default(self):
        return _DefaultSession(self)

    def __enter__(self):
        ctx = self.as_default()
        ctx.__enter__()
        self._default_ctx.append(ctx)
        return self

    def __exit__(self, *exc):
        self._default_ctx.pop().__exit__(*exc)
        self.close()

    def list_devices(self):
        return []


class _DefaultSession:
    def __init__(self, session):
        self._session = session

    def __enter__(self):
        _session_stack.append(self._session)
        return self._session

    def __exit__(self, *exc):
        _session_stack.remove(self._session)


class Session(BaseSession):
    """`with tf.Session() as sess: sess.run(y, feed_dict={x: [1, 2, 3]})`."""


class InteractiveSession(BaseSession):
    """A session that installs itself as the default one, so `t.eval()` works in a shell."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        _session_stack.append(self)

    def close(self):
        super().close()
        if self in _session_stack:
            _session_stack.remove(self)
