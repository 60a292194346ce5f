"""`engine.saved_model.load(path)`: a SavedModel as a Predictor, the API the serving layer calls.

    >>> model = engine.saved_model.load("export/1700000000")
    >>> model.signature.inputs["x"].dtype, model.signature.inputs["x"].tensor_shape
    (tf.float32, TensorShape([None, 3]))
    >>> model.predict({"x": [[1.0, 2.0, 3.0]]})
    {'y': array([[0.5]], dtype=float32)}

The model's graph is built once, in a Graph of its own, then finalized. Each thread that calls
`predict` gets its own Session over that graph (restored from the shared, read-only variable values
and compiled per signature on its first call), so concurrent calls never share run state: no lock,
and stateful ops (random numbers, map_fn's inner plans) stay per thread.

An input whose tensor is a `placeholder_with_default` is optional: left out, the graph uses its default
(each set of given inputs compiles its own function).
"""

import threading

import numpy as np

from engine.framework.graph import Graph
from engine.framework.session import Session
from engine.saved_model import importer, reader, serving_plan
from engine.saved_model.errors import ModelLoadError, PredictionInputError
from engine.saved_model.inputs import converters, feed_values, instance_signature
from engine.saved_model.loader import meta_graph_def
from engine.saved_model.signature_constants import DEFAULT_SERVING_SIGNATURE_DEF_KEY
from engine.saved_model.tag_constants import SERVING


class _ServingSession(Session):
    """A loaded model's session: its plans are serving plans (engine/saved_model/serving_plan.py; the
    pass leaves plans with effects, the restore and main ops, as they are)."""

    _plan_rewrite = staticmethod(serving_plan.rewrite)


class Predictor:
    """A loaded SavedModel: `.signatures` ({key: SignatureDef}), `.signature` (the default one) and
    `predict(inputs, signature=None)`."""

    def __init__(self, export_dir, tags=(SERVING,)):
        self.export_dir = export_dir.decode() if isinstance(export_dir, bytes) else str(export_dir)
        meta_graph = reader.find_meta_graph(reader.read_saved_model(self.export_dir), tags, self.export_dir)
        self.signatures = meta_graph_def(meta_graph, self.export_dir).signature_def
        self._graph = Graph()
        self._imported = importer.import_meta_graph(self._graph, meta_graph, self.export_dir)
        self._fetches = {key: self._tensors(key, s) for key, s in self.signatures.items()}
        self.optional_inputs = {key: self._optional(key) for key in self.signatures}
        self._converters = {key: converters(signature) for key, signature in self.signatures.items()}
        self._graph.finalize()
        self._local = threading.local()

    def _tensors(self, key, signature):
        """({input name: tensor}, fetches) of a signature: its tensors in the built graph, checked to exist."""
        try:
            feeds = [self._graph.get_tensor_by_name(info.name) for info in signature.inputs.values()]
            fetches = [self._graph.get_tensor_by_name(info.name) for info in signature.outputs.values()]
        except (KeyError, ValueError) as err:
            raise ModelLoadError(f"The signature '{key}' of {self.export_dir} names a missing tensor: {err}") from None
        return dict(zip(signature.inputs, feeds)), fetches

    def _optional(self, key):
        """The inputs of signature `key` that have a default (placeholder_with_default): callers may omit them."""
        feeds, _ = self._fetches[key]
        return frozenset(name for name, tensor in feeds.items() if tensor.op.type == "PlaceholderWithDefault")

    @property
    def default_signature_key(self):
        """serving_default, or the only signature of a model without one (a canned Estimator exported
        with raw inputs has only "predict": its regress and classify signatures need tf.Examples)."""
        if DEFAULT_SERVING_SIGNATURE_DEF_KEY not in self.signatures and len(self.signatures) == 1:
            return next(iter(self.signatures))
        return DEFAULT_SERVING_SIGNATURE_DEF_KEY

    @property
    def signature(self):
        """The default signature (see `default_signature_key`)."""
        return self.get_signature(self.default_signature_key)

    def get_signature(self, key):
        """The signature `key`; a PredictionInputError naming the signatures there are if it is unknown."""
        if key not in self.signatures:
            raise PredictionInputError(f"Unknown signature '{key}': the model has {sorted(self.signatures)}")
        return self.signatures[key]

    def _runner(self, key, names):
        """This thread's callable for signature `key` fed the inputs `names` (its session restored on
        first use): `runner(*values)` → output values. Its plan is a serving plan: variables are constants
        of it, and feature columns' subgraphs run as fused ops (engine/saved_model/serving_plan.py)."""
        runners = getattr(self._local, "runners", None)
        if runners is None:
            session = _ServingSession(graph=self._graph)
            session.run(self._imported.restore_op, self._imported.feed_dict)
            if self._imported.main_op is not None:
                session.run(self._imported.main_op)
            runners = self._local.runners = {"session": session}
        runner = runners.get((key, names))
        if runner is None:
            feeds, fetches = self._fetches[key]
            runner = runners[key, names] = runners["session"].make_callable(fetches, [feeds[n] for n in names])
        return runner

    def predict(self, inputs, signature=None):
        """{output name: array} for `inputs` ({input name: list or array}) through `signature` (by default
        `default_signature_key`); PredictionInputError for inputs that do not fit the signature, an engine
        OpError if the graph fails on valid ones."""
        signature = self.default_signature_key if signature is None else signature
        spec = self.get_signature(signature)
        arrays = feed_values(signature, spec, inputs, self.optional_inputs[signature], self._converters[signature])
        values = self._runner(signature, tuple(arrays))(*arrays.values())
        return {key: np.asarray(value) for key, value in zip(spec.outputs, values)}  # arrays the caller owns

    def instance_arrays(self, instance, signature=None):
        """One instance ({input name: value}, without the batch dimension) checked against the signature
        and turned into arrays: what a server checks per instance, naming its index on error, before it
        stacks the instances of a request (or of several) into one `predict` batch."""
        signature = self.default_signature_key if signature is None else signature
        spec = instance_signature(self.get_signature(signature))
        return feed_values(signature, spec, instance, self.optional_inputs[signature])
