"""Variable scopes and the per-graph store of named variables: get_variable's creation and sharing
rules, with TF 1's errors."""

import copy
import functools
import inspect

from engine import dtypes
from engine.framework import eager
from engine.framework.constant import to_numpy
from engine.framework.graph import GraphKeys, Tensor, add_to_collection, get_default_graph, name_scope
from engine.init_ops import GlorotUniform, Initializer, Zeros
from engine.tensor_shape import as_shape
from engine.variables import Variable


class VariableScope:
    """The settings `get_variable` applies inside a `variable_scope`: name prefix, reuse, defaults."""

    def __init__(
        self,
        reuse,
        name="",
        initializer=None,
        regularizer=None,
        caching_device=None,
        partitioner=None,
        custom_getter=None,
        name_scope="",
        dtype=dtypes.float32,
        use_resource=None,
        constraint=None,
    ):
        self._reuse, self._name, self._name_scope = reuse, name, name_scope
        self._initializer, self._regularizer, self._constraint = initializer, regularizer, constraint
        self._caching_device, self._partitioner, self._custom_getter = caching_device, partitioner, custom_getter
        self._dtype, self._use_resource = dtypes.as_dtype(dtype), use_resource

    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope)
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    regularizer = property(lambda self: self._regularizer)
    constraint = property(lambda self: self._constraint)
    dtype = property(lambda self: self._dtype)
    use_resource = property(lambda self: self._use_resource)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: self._partitioner)
    custom_getter = property(lambda self: self._custom_getter)

    def reuse_variables(self):
        """From now on, get_variable in this scope returns existing variables (reuse=True)."""
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def set_regularizer(self, regularizer):
        self._regularizer = regularizer

    def set_dtype(self, dtype):
        self._dtype = dtypes.as_dtype(dtype)

    def set_use_resource(self, use_resource):
        self._use_resource = use_resource

    def set_caching_device(self, caching_device):
        self._caching_device = caching_device

    def _derived(self, reuse, name, name_scope, settings):
        """A copy with another name and reuse, and the given non-None settings (initializer, ...)."""
        scope = copy.copy(self)
        scope._reuse, scope._name, scope._name_scope = reuse, name, name_scope
        for key, value in settings.items():
            if value is not None:
                setattr(scope, f"_{key}", dtypes.as_dtype(value) if key == "dtype" else value)
        return scope

    def get_variable(
        self,
        var_store,
        name,
        shape=None,
        dtype=None,
        initializer=None,
        regularizer=None,
        reuse=None,
        trainable=None,
        collections=None,
        caching_device=None,
        partitioner=None,
        validate_shape=True,
        use_resource=None,
        custom_getter=None,
        constraint=None,
        synchronization=None,
        aggregation=None,
    ):
        refuse_unsupported(partitioner or self._partitioner, custom_getter or self._custom_getter)
        if eager.executing_eagerly():
            reuse = False  # as in TF 1: eager variables are never shared through the store
        elif reuse is None:
            reuse = self._reuse
        if dtype is not None and initializer is not None and not callable(initializer):
            init_dtype = initializer.dtype if isinstance(initializer, Tensor) else to_numpy(initializer)[1]
            dtype = dtypes.as_dtype(dtype)
            if init_dtype != dtype:
                raise ValueError(f"Initializer type '{init_dtype.name}' and explicit dtype '{dtype.name}' don't match.")
        full_name = f"{self._name}/{name}" if self._name else name
        # a variable's name depends on the variable scope only, never on the name scope around it
        with name_scope(""):
            return var_store.get_variable(
                full_name,
                shape,
                dtypes.as_dtype(dtype or self._dtype),
                self._initializer if initializer is None else initializer,
                self._regularizer if regularizer is None else regularizer,
                reuse,
                True if trainable is None else trainable,
                collections,
                validate_shape,
                self._constraint if constraint is None else constraint,
            )

    def get_collection(self, name):
        return get_default_graph().get_collection(name, f"{self._name}/" if self._name else "")

    def global_variables(self):
        return self.get_collection(GraphKeys.GLOBAL_VARIABLES)

    def trainable_variables(self):
        return self.get_collection(GraphKeys.TRAINABLE_VARIABLES)

    def local_variables(self):
        return self.get_collection(GraphKeys.LOCAL_VARIABLES)


def refuse_unsupported(partitioner, custom_getter):
    if partitioner is not None or custom_getter is not None:
        raise NotImplementedError("Partitioned variables and custom getters are not supported.")


class VariableStore:
    """The current variable scope, how often each scope name was opened, and the shared variables."""

    def __init__(self, root_scope):
        self.current_scope = root_scope
        self.scope_counts = {}
        self.variables = {}

    def open_scope(self, name):
        self.scope_counts[name] = self.scope_counts.get(name, 0) + 1

    def close_subscopes(self, name):
        for key in self.scope_counts:
            if key.startswith(name + "/"):
                self.scope_counts[key] = 0

    def unique_scope_name(self, prefix):
        """`prefix`, or `prefix_1`, `prefix_2`, ... if a default-named scope of that name was opened."""
        parent = self.current_scope.name
        full = f"{parent}/{prefix}" if parent else prefix
        if not self.scope_counts.get(full):
            return prefix
        index = 1
        while self.scope_counts.get(f"{full}_{index}"):
            index += 1
        return f"{prefix}_{index}"

    def get_variable(
        self, name, shape, dtype, initializer, regularizer, reuse, trainable, collections, validate_shape, constraint
    ):
        """The variable `name`: the existing one when reuse allows, else a new one; TF's errors otherwise."""
        from_value = initializer is not None and not callable(initializer)
        if shape is not None and from_value:
            raise ValueError("If initializer is a constant, do not specify shape.")
        shape = as_shape(shape)
        if name in self.variables:
            return self._existing(name, shape, dtype, reuse)
        if reuse is True:
            raise ValueError(
                f"Variable {name} does not exist, or was not created with tf.get_variable(). "
                "Did you mean to set reuse=tf.AUTO_REUSE in VarScope?"
            )
        init_value, var_dtype = _initial_value(name, shape, dtype, initializer, from_value)
        var = Variable(
            initial_value=init_value,
            name=name,
            trainable=trainable,
            collections=collections,
            dtype=var_dtype,
            validate_shape=validate_shape,
            constraint=constraint,
        )
        if not eager.executing_eagerly():
            self.variables[name] = var
        if regularizer:
            _regularize(var, name, regularizer)
        return var

    def _existing(self, name, shape, dtype, reuse):
        found = self.variables[name]
        if not reuse:
            file, line = found.op.source
            raise ValueError(
                f"Variable {name} already exists, disallowed. Did you mean to set reuse=True or "
                f'reuse=tf.AUTO_REUSE in VarScope? Originally defined at:\n\n  File "{file}", line {line}\n'
            )
        if not shape.is_compatible_with(found.get_shape()):
            raise ValueError(
                f"Trying to share variable {name}, but specified shape {shape} and found shape {found.get_shape()}."
            )
        if not dtype.is_compatible_with(found.dtype):
            raise ValueError(
                f"Trying to share variable {name}, but specified dtype {dtype.name} and found dtype {found.dtype.name}."
            )
        return found


def _default_initializer(name, dtype):
    """glorot_uniform for floats, zeros for integers and booleans, as TF 1 chooses."""
    if dtype.is_floating:
        return GlorotUniform()
    if dtype.is_integer or dtype.is_bool:
        return Zeros()
    raise ValueError(f"An initializer for variable {name} of {dtype.name} is required")


def _initial_value(name, shape, dtype, initializer, from_value):
    """(initial value or a function making it, dtype to pass to Variable) for a new variable."""
    if from_value:
        return initializer, None
    if initializer is None:
        initializer = _default_initializer(name, dtype)
    if isinstance(initializer, type):
        initializer = initializer()
    parameters = _call_parameters(initializer)
    if shape.is_fully_defined():
        # Keras-style initializers take (shape, dtype) only
        extra = {"partition_info": None} if "partition_info" in parameters else {}
        return (lambda: initializer(shape.as_list(), dtype=dtype, **extra)), dtype
    if all(p.default is not p.empty for p in parameters.values()):
        return initializer, None
    raise ValueError(
        "The initializer passed is not valid. It should be a callable with no arguments and the shape should "
        "not be provided or an instance of `tf.keras.initializers.*' and `shape` should be fully defined."
    )


def _call_parameters(initializer):
    """The parameters `initializer` is called with; for the engine's initializers, those of its class's
    `__call__` found once (a signature per variable made cost ~20 us)."""
    if isinstance(initializer, Initializer):
        return _initializer_call_parameters(type(initializer))
    return inspect.signature(initializer).parameters


@functools.cache
def _initializer_call_parameters(cls):
    return inspect.signature(functools.partial(cls.__call__, None)).parameters  # `self` bound, as on an instance


def _regularize(var, name, regularizer):
    with name_scope(f"{name}/Regularizer/"):
        loss = regularizer(var)
    if loss is not None:
        add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
