"""`tf.train.Saver`: saves variables to checkpoints and restores them, as TensorFlow 1 does.

    saver = tf.train.Saver(max_to_keep=3)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver.save(sess, "runs/model", global_step=100)        # runs/model-100.index, .data-..., .meta
        saver.restore(sess, tf.train.latest_checkpoint("runs"))

The constructor adds TensorFlow's ops under the scope "save": the filename placeholder `save/Const`,
`save/SaveV2` (its result `save/control_dependency`), `save/RestoreV2` and one `save/Assign` per
variable grouped as `save/restore_all`; a save or a restore is one session run. A save writes the
data and index files, then the meta graph, then the `checkpoint` state file, each atomically
(engine.training.checkpoint_io), and only then deletes checkpoints beyond `max_to_keep`: a crash at
any point leaves the state file naming a complete checkpoint.
"""

import numbers
import os
import time

import numpy as np
from tensorboard.compat.proto.saver_pb2 import SaverDef

from engine import errors, logging
from engine.framework import eager
from engine.framework.constant import constant
from engine.framework.graph import GraphKeys, get_collection
from engine.framework.graph_io import shared_graph_def
from engine.framework.session import BaseSession
from engine.training import checkpoint_management, meta_graph, saver_builder
from engine.training.meta_graph import export_meta_graph


class CheckpointNotFoundError(errors.NotFoundError, ValueError):
    """No checkpoint at the path given to `restore`: TensorFlow 1.15 raises a ValueError there, older
    versions a NotFoundError; this is both."""


def _wrapped_restore_error(err, cause, save_path):
    message = (
        f"Restoring from checkpoint failed. This is most likely due to {cause} from the checkpoint. "
        "Please ensure that you have not altered the graph expected based on the checkpoint. "
        f"Original error:\n\n{err.message}\n(checkpoint: {save_path})"
    )
    return type(err)(err.node_def, err.op, message)


class Saver:
    """Saves and restores variables; `var_list` is a list (keyed by op name) or a {name: variable} dict,
    by default every global variable (the global step included)."""

    def __init__(
        self,
        var_list=None,
        reshape=False,
        sharded=False,
        max_to_keep=5,
        keep_checkpoint_every_n_hours=10000.0,
        name=None,
        restore_sequentially=False,
        saver_def=None,
        builder=None,
        defer_build=False,
        allow_empty=False,
        write_version=SaverDef.V2,
        pad_step_number=False,
        save_relative_paths=False,
        filename=None,
    ):
        if defer_build and var_list:
            raise ValueError(
                "If `var_list` is provided then build cannot be deferred. "
                "Either set defer_build=False or var_list=None."
            )
        if eager.executing_eagerly() and var_list is None:
            raise RuntimeError(
                "When eager execution is enabled, `var_list` must specify a list or dict of variables to save"
            )
        self._var_list, self._reshape, self._name, self._filename = var_list, reshape, name, filename
        self._options = {"max_to_keep": max_to_keep or 0, "sharded": sharded, "version": write_version}
        self._options["keep_checkpoint_every_n_hours"] = keep_checkpoint_every_n_hours
        self._allow_empty, self._pad_step_number = allow_empty, pad_step_number
        self._save_relative_paths = save_relative_paths
        self.saver_def, self._is_built, self._is_empty = saver_def, False, None
        self._last_checkpoints, self._checkpoints_to_be_deleted = [], []
        self._next_checkpoint_time = time.time() + keep_checkpoint_every_n_hours * 3600
        if eager.executing_eagerly():  # no ops: each save and restore runs at once
            self._variables = saver_builder.variables_by_name(var_list)
            self.saver_def, self._is_empty = SaverDef(**self._options), not self._variables
        elif not defer_build:
            self.build()

    def build(self):
        """Adds the save and restore ops (done by the constructor unless `defer_build`)."""
        if eager.executing_eagerly():
            raise RuntimeError("Use save/restore instead of build in eager mode.")
        if self._is_built:
            return
        self._is_built = True
        if self.saver_def is not None:
            if self._name:  # an imported saver: its ops now live under the import scope
                for field in ("filename_tensor_name", "save_tensor_name", "restore_op_name"):
                    setattr(self.saver_def, field, f"{self._name}/{getattr(self.saver_def, field)}")
        else:
            variables = saver_builder.variables_by_name(
                self._var_list if self._var_list is not None else get_collection(GraphKeys.GLOBAL_VARIABLES)
            )
            self._is_empty = not variables
            if self._is_empty:
                if not self._allow_empty:
                    raise ValueError("No variables to save")
                return
            self.saver_def = saver_builder.build(variables, self._name, self._filename, self._reshape, self._options)
        self._next_checkpoint_time = time.time() + self.saver_def.keep_checkpoint_every_n_hours * 3600

    # -- saving ---------------------------------------------------------------------------------------
    def save(
        self,
        sess,
        save_path,
        global_step=None,
        latest_filename=None,
        meta_graph_suffix="meta",
        write_meta_graph=True,
        write_state=True,
        strip_default_attrs=False,
        save_debug_info=False,
    ):
        """Writes checkpoint `save_path-<global_step>`; returns its prefix (None for an empty saver)."""
        in_graph = not eager.executing_eagerly()
        if in_graph and not self._is_built:
            raise RuntimeError("`build()` should be called before save if defer_build==True")
        latest_filename = latest_filename or "checkpoint"
        if os.path.split(latest_filename)[0]:
            raise ValueError("'latest_filename' must not contain path components")
        checkpoint_file = self._checkpoint_file(sess, os.fspath(save_path), global_step, latest_filename)
        if in_graph and not isinstance(sess, BaseSession):
            raise TypeError(f"'sess' must be a Session; {sess}")
        if self._is_empty:
            model_checkpoint_path = None
        elif in_graph:
            feed = {self.saver_def.filename_tensor_name: checkpoint_file}
            model_checkpoint_path = sess.run(self.saver_def.save_tensor_name, feed).decode("utf-8")
        else:
            saver_builder.save_op(self._variables, constant(checkpoint_file))
            model_checkpoint_path = checkpoint_file
        if write_meta_graph and in_graph:
            filename = checkpoint_management.meta_graph_filename(checkpoint_file, meta_graph_suffix)
            graph_def = shared_graph_def(sess.graph)  # the returned meta graph is dropped: sharing is safe
            export_meta_graph(filename, graph_def=graph_def, graph=sess.graph, saver_def=self.saver_def)
        if write_state and model_checkpoint_path is not None:
            self._record(model_checkpoint_path, os.path.dirname(os.fspath(save_path)), latest_filename)
            self._maybe_delete_old_checkpoints(meta_graph_suffix)
        return model_checkpoint_path

    def _checkpoint_file(self, sess, save_path, global_step, latest_filename):
        if global_step is None:
            if os.path.basename(save_path) == latest_filename and not self._options["sharded"]:
                raise ValueError(f"'latest_filename' collides with 'save_path': '{latest_filename}' and '{save_path}'")
            return save_path
        if not isinstance(global_step, numbers.Integral):
            global_step = int(sess.run(global_step))
        return f"{save_path}-{global_step:08d}" if self._pad_step_number else f"{save_path}-{global_step}"

    def _record(self, path, save_dir, latest_filename):
        """Adds `path` to the kept checkpoints (the oldest beyond max_to_keep queued for deletion), then
        rewrites the state file."""
        if self.saver_def.max_to_keep:
            self._last_checkpoints = [p for p in self._last_checkpoints if p[0] != path] + [(path, time.time())]
            if len(self._last_checkpoints) > self.saver_def.max_to_keep:
                self._checkpoints_to_be_deleted.append(self._last_checkpoints.pop(0))
        checkpoint_management.update_checkpoint_state(
            save_dir,
            path,
            self.last_checkpoints,
            latest_filename,
            save_relative_paths=self._save_relative_paths,
        )

    def _maybe_delete_old_checkpoints(self, meta_graph_suffix):
        """Deletes the oldest queued checkpoint, unless keep_checkpoint_every_n_hours says to keep it."""
        if not self._checkpoints_to_be_deleted:
            return
        path, saved_at = self._checkpoints_to_be_deleted.pop(0)
        if saved_at > self._next_checkpoint_time:
            self._next_checkpoint_time += self.saver_def.keep_checkpoint_every_n_hours * 3600
            return
        try:
            checkpoint_management.remove_checkpoint(path, meta_graph_suffix=meta_graph_suffix)
        except OSError as err:  # as in TF: a checkpoint that cannot be deleted does not fail the save
            logging.warning("Ignoring: %s", err)

    # -- restoring ------------------------------------------------------------------------------------
    def restore(self, sess, save_path):
        """Assigns every variable its value in checkpoint `save_path` (a prefix `save` returned)."""
        if self._is_empty:
            return
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        save_path = os.fspath(save_path)
        if not checkpoint_management.checkpoint_exists(save_path):
            raise CheckpointNotFoundError(None, None, f"The passed save_path is not a valid checkpoint: {save_path}")
        logging.info("Restoring parameters from %s", save_path)
        try:
            if eager.executing_eagerly():
                saver_builder.restore_ops(self._variables, constant(save_path), self._reshape)
            else:
                sess.run(self.saver_def.restore_op_name, {self.saver_def.filename_tensor_name: save_path})
        except errors.NotFoundError as err:
            raise _wrapped_restore_error(err, "a Variable name or other graph key that is missing", save_path) from None
        except errors.InvalidArgumentError as err:
            raise _wrapped_restore_error(err, "a mismatch between the current graph and the graph", save_path) from None

    # -- the list of kept checkpoints -----------------------------------------------------------------
    @property
    def last_checkpoints(self):
        """The checkpoints not yet deleted, oldest first."""
        return [path for path, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints):
        """Deprecated in TF: the checkpoints are given an infinite time, so none is ever deleted."""
        self._last_checkpoints = [(path, np.inf) for path in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time):
        """Sets the kept checkpoints as [(path, seconds since the Epoch)], oldest first."""
        self._last_checkpoints = list(last_checkpoints_with_time)

    def recover_last_checkpoints(self, checkpoint_paths):
        """After a restart: keeps those of `checkpoint_paths` that exist, timed by their files."""
        found = [(p, checkpoint_management.get_checkpoint_mtimes([p])) for p in checkpoint_paths]
        self.set_last_checkpoints_with_time([(p, mtimes[0]) for p, mtimes in found if mtimes])

    # -- meta graphs ----------------------------------------------------------------------------------
    def as_saver_def(self):
        return self.saver_def

    def export_meta_graph(self, filename=None, collection_list=None, as_text=False, **kwargs):
        """The default graph's meta graph with this saver, written to `filename` if given."""
        return export_meta_graph(filename, saver_def=self.saver_def, collection_list=collection_list, as_text=as_text)


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **kwargs):
    """Rebuilds a meta graph in the default graph; returns a Saver for its saver_def (None without one).

    >>> saver = tf.train.import_meta_graph("runs/model-100.meta")
    >>> saver.restore(sess, "runs/model-100")
    """
    saver_def = meta_graph.import_meta_graph_def(meta_graph_or_file, import_scope)
    return None if saver_def is None else Saver(saver_def=saver_def, name=import_scope)
