"""Graft's PyTorch engine: trains a spec's module from a job file (job.json) with the same meaning
as Graft's own loop (train/train.ts): the same shuffles and augmentations (Graft's generator),
frozen parameters without gradients and frozen BatchNorm in eval mode, PyTorch's SGD/Adam/AdamW
with one parameter group per spec group, the learning-rate factors Graft's schedule computed for
every step, label smoothing, validation every epoch, early stopping, and checkpoints in Graft's
format (readable by loadWeights() and by `--resume` of either engine).

Run in one process: python3 train.py job.json
Data-parallel:      torchrun --nproc-per-node N train.py job.json   (gloo on CPU, NCCL on CUDA)

One process reports: global rank 0, or, when the job names this machine's `nodeRank`, local rank
0 of node 0 (torchrun's c10d rendezvous numbers the machines in its own order). It prints one JSON
object per event on stdout (trainBegin, epochBegin, batchEnd, epochEnd, checkpoint, trainEnd,
evaluation, error) and writes the checkpoints. With `handshake` (Deno runs callbacks) an event that
carries `answer` waits for Deno's answer, one JSON line {"id": answer, ...} on stdin: after each
epoch and at the end, and after each batch with `batchHandshake` (a callback has onBatchEnd, so
ctx.stop() there ends training right after that batch). Exit codes: 0 done, 1 training failed,
2 bad job."""
import copy
import hashlib
import datetime
import json
import math
import os
import signal
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
from data import Split  # noqa: E402
from model import GraftModule, graft_weights, load_graft_weights, weight_entries  # noqa: E402
from model import from_graft, to_graft  # noqa: E402
from rng import Rng  # noqa: E402

CHECKPOINT_FORMAT = "graft.checkpoint/v2"
_ALIVE = []


class JobError(Exception):
    def __init__(self, message, problems, code=1):
        super().__init__(message)
        self.problems = problems
        self.code = code


def now_ms():
    return time.perf_counter() * 1000


class Engine:
    def __init__(self, job, job_dir):
        self.job = job
        self.dir = job_dir
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.reporter = self.rank == 0
        self.reporter_rank = 0
        self.attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
        self.local = local = int(os.environ.get("LOCAL_RANK", "0"))
        want = job.get("device", "auto")
        cuda = torch.cuda.is_available() and want != "cpu"
        if want == "cuda" and not torch.cuda.is_available():
            raise JobError("Cannot start the torch engine", ["device cuda: CUDA is not available"], 2)
        self.device = torch.device(f"cuda:{local}" if cuda else "cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        if self.world > 1:
            timeout = datetime.timedelta(seconds=float(job.get("timeoutSeconds", 1800)))
            dist.init_process_group("nccl" if cuda else "gloo", timeout=timeout)

    def choose_reporter(self):
        """Local rank 0 of node 0 reports when the job names the machine's node rank (the run
        folder is on node 0); checks that every process was given the same job."""
        node = self.job.get("nodeRank")
        mine = (node == 0 and self.local == 0) if node is not None else self.rank == 0
        count, at = self.all_sum([1.0 if mine else 0.0, float(self.rank) if mine else 0.0])
        # Without exactly one, every machine's local rank 0 reports the error.
        self.reporter = mine if count == 1 else self.local == 0
        if count != 1:
            raise JobError("Cannot train", [
                f"{int(count)} processes would report: give each machine its own --node-rank, 0 "
                "on exactly one"], 2)
        self.reporter, self.reporter_rank = mine, int(at)
        d = self.job["data"]
        same = json.dumps({"module": self.job["module"], "train": self.job["train"],
                           "data": [d.get(k) for k in ("augment", "normalize", "resize")]},
                          sort_keys=True)
        digest = int(hashlib.sha256(same.encode()).hexdigest()[:15], 16)
        t = torch.tensor([digest, -digest], dtype=torch.int64, device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        if int(t[0]) != digest or int(t[1]) != -digest:
            raise JobError("Cannot train", [
                "the machines were given different jobs (model, data or training settings): run "
                "the same config and flags on every machine, only --node-rank differs"], 2)
    # -- events -------------------------------------------------------------------------------
    def emit(self, event, **payload):
        if self.reporter:
            sys.stdout.write(json.dumps({"event": event, **payload}) + "\n")
            sys.stdout.flush()

    def path(self, p):
        return p if os.path.isabs(p) else os.path.join(self.dir, p)

    # -- set-up -------------------------------------------------------------------------------
    def setup(self):
        job = self.job
        t = job["train"]
        if self.world > 1:
            self.choose_reporter()
        torch.manual_seed(t["seed"])
        self.model = GraftModule(job["module"]).to(self.device)
        if job.get("initialWeights"):
            tensors, _ = safetensors_io.read(self.path(job["initialWeights"]))
            try:
                load_graft_weights(self.model, tensors, job["initialWeights"])
            except ValueError as e:
                raise JobError("Cannot load the initial weights", str(e).split("; "), 2)
        self.entries = weight_entries(self.model)
        self.frozen_bn = []
        for node, module in self.model.nodes():
            if not node["trainable"]:
                for p in module.parameters(recurse=False):
                    p.requires_grad_(False)
                if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                    self.frozen_bn.append(module)
        if t.get("syncBatchNorm") and self.world > 1:
            if self.device.type != "cuda" and torch.__version__ < "2":
                raise JobError("Cannot train", [
                    "train.syncBatchNorm needs CUDA with PyTorch " + torch.__version__.split("+")[0]
                    + " (SyncBatchNorm runs on GPUs only there); without it each process "
                    "normalises with its own part of the batch"], 2)
            self.model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(self.model)
            self.frozen_bn = [m for m in self.model.modules()
                              if isinstance(m, torch.nn.SyncBatchNorm) and not m.weight.requires_grad]
        self.net = self.model
        if self.world > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = torch.nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
        # One parameter group per spec group, in the order Graft lists them.
        groups = {}
        for key, tensor, layout, trainable, group in self.entries:
            if trainable and isinstance(tensor, torch.nn.Parameter):
                groups.setdefault(group, []).append((key, tensor, layout))
        self.groups = groups
        rates = t["rates"]
        o = t["optimizer"]
        param_groups = [{"params": [p for _, p, _ in ps], "lr": rates[g], "name": g}
                        for g, ps in groups.items()]
        if not param_groups:
            raise JobError("Cannot train", ["the model has no trainable weights (everything is "
                                            "frozen)"], 2)
        if o["type"] == "sgd":
            self.optimizer = torch.optim.SGD(
                param_groups, lr=0.0, momentum=o.get("momentum", 0), dampening=o.get("dampening", 0),
                nesterov=o.get("nesterov", False), weight_decay=o.get("weightDecay", 0))
        else:
            cls = torch.optim.AdamW if o["type"] == "adamw" else torch.optim.Adam
            self.optimizer = cls(param_groups, lr=0.0, betas=(o.get("beta1", 0.9), o.get("beta2", 0.999)),
                                 eps=o.get("epsilon", 1e-8),
                                 weight_decay=o.get("weightDecay", 0.01 if o["type"] == "adamw" else 0))
        d = job["data"]
        norm, size = d.get("normalize"), d.get("resize")
        self.train_data = Split(self.path(d["train"]), norm, size)
        self.validation = Split(self.path(d["validation"]), norm, size) if d.get("validation") \
            else None
        self.test = Split(self.path(d["test"]), norm, size) if d.get("test") else None
        self.augment = bool(d.get("augment", False))

    # -- optimizer state in Graft's names ------------------------------------------------------
    def optimizer_state(self):
        slots = {}
        step = 0
        for ps in self.groups.values():
            for key, p, layout in ps:
                st = self.optimizer.state.get(p, {})
                if "momentum_buffer" in st and st["momentum_buffer"] is not None:
                    slots[f"{key}/momentum"] = to_graft(st["momentum_buffer"], layout)
                if "exp_avg" in st:
                    slots[f"{key}/m"] = to_graft(st["exp_avg"], layout)
                    slots[f"{key}/v"] = to_graft(st["exp_avg_sq"], layout)
                    step = int(float(st["step"]))
        return slots, step

    def set_optimizer_state(self, slots, step):
        for ps in self.groups.values():
            for key, p, layout in ps:
                st = {}
                if f"{key}/momentum" in slots:
                    st["momentum_buffer"] = from_graft(slots[f"{key}/momentum"], layout).to(self.device)
                if f"{key}/m" in slots:
                    st["exp_avg"] = from_graft(slots[f"{key}/m"], layout).to(self.device)
                    st["exp_avg_sq"] = from_graft(slots[f"{key}/v"], layout).to(self.device)
                    st["step"] = torch.tensor(float(step))
                if st:
                    self.optimizer.state[p] = st

    # -- checkpoints ---------------------------------------------------------------------------
    def save(self, path, state, event="checkpoint"):
        """Writes a Graft checkpoint (format graft.checkpoint/v2: Graft's names and layout, the
        spec and the training state in the metadata) from rank 0."""
        if not self.reporter:
            return
        tensors = {f"weights/{k}": v for k, v in graft_weights(self.model).items()}
        slots, step = self.optimizer_state()
        tensors.update({f"optimizer/{k}": v for k, v in slots.items()})
        state = {**state, "optimizerStep": step if slots else state["step"]}
        safetensors_io.write(path, tensors, {
            "format": CHECKPOINT_FORMAT,
            "graft.spec": json.dumps(self.job["spec"]),
            "graft.training": json.dumps(state),
        })
        self.emit(event, path=path, epoch=state["epoch"])

    def restore(self, path):
        """Restores weights and optimizer state from a Graft checkpoint of either engine; returns
        its training state."""
        try:
            tensors, meta = safetensors_io.read(path)
        except (OSError, ValueError) as e:
            raise JobError("Cannot resume", [f"{path}: {e}"])
        if meta.get("format") != CHECKPOINT_FORMAT or "graft.training" not in meta:
            raise JobError("Cannot resume", [f"{path} is not a {CHECKPOINT_FORMAT} training "
                                             "checkpoint"])
        state = json.loads(meta["graft.training"])
        spec = json.loads(meta.get("graft.spec", "null"))
        problems = []
        if json.dumps(spec, sort_keys=True) != json.dumps(self.job["spec"], sort_keys=True):
            problems.append(f"{path} was written for another spec ({(spec or {}).get('name')})")
        ours = self.settings()
        for key in ("seed", "batchSize", "trainSize", "optimizer", "schedule", "labelSmoothing"):
            a, b = state["settings"].get(key), ours[key]
            if json.dumps(a, sort_keys=True) != json.dumps(b, sort_keys=True):
                problems.append(f"{path}: {key}: the checkpoint's run used {json.dumps(a)}, this "
                                f"run {json.dumps(b)}")
        weights = {k[8:]: v for k, v in tensors.items() if k.startswith("weights/")}
        slots = {k[10:]: v for k, v in tensors.items() if k.startswith("optimizer/")}
        if not problems:
            try:
                load_graft_weights(self.model, weights, path)
            except ValueError as e:
                problems.extend(str(e).split("; "))
        if problems:
            raise JobError("Cannot resume", problems)
        self.set_optimizer_state(slots, state.get("optimizerStep", state["step"]))
        return state

    def settings(self):
        t = self.job["train"]
        return {"epochs": t["epochs"], "seed": t["seed"], "batchSize": t["batchSize"],
                "trainSize": self.train_data.size, "optimizer": t["optimizer"],
                "schedule": t["schedule"], "labelSmoothing": t.get("labelSmoothing", 0.0)}

    def ask(self, event, name, **payload):
        """Emits an event that Deno answers once its callbacks ran, and waits for the answer (a
        JSON line on stdin with the event's `answer` id; lines of an earlier attempt are
        skipped). Every rank gets (stop, snapshot, restore), the reporter the stop reason
        (self.answer_reason)."""
        key = f"{self.attempt}:{name}"
        self.emit(event, answer=key, **payload)
        flags = [0.0, 0.0, 0.0]
        self.answer_reason = None
        if self.reporter:
            while True:
                line = sys.stdin.readline()
                if not line:
                    raise JobError("Training stopped", [
                        f"Deno closed the engine's input before answering {event} ({name})"])
                try:
                    answer = json.loads(line)
                except ValueError:
                    continue
                if isinstance(answer, dict) and answer.get("id") == key:
                    break
            flags = [1.0 if answer.get("stop") else 0.0, 1.0 if answer.get("snapshot") else 0.0,
                     1.0 if answer.get("restore") else 0.0]
            self.answer_reason = answer.get("stop")
        return [v > 0 for v in self.all_sum(flags)]

    def start_state(self, resume):
        """The training state to start from: the reporter restores `resume` (a checkpoint of
        either engine) and, under torchrun, sends its weights, optimizer state and position to
        every process, so that the other machines need no copy of the run folder."""
        if self.world == 1:
            return self.restore(self.path(resume)) if resume else None
        payload = [None]
        if self.reporter and resume:
            try:
                info = self.restore(self.path(resume))
                payload = [{"info": info, "slots": self.optimizer_state(),
                            "weights": {k: v.cpu() for k, v in graft_weights(self.model).items()}}]
            except JobError as e:
                payload = [{"error": [str(e), e.problems]}]
        dist.broadcast_object_list(payload, src=self.reporter_rank)
        got = payload[0]
        if got is None:
            return None
        if "error" in got:
            raise JobError(got["error"][0], got["error"][1])
        if not self.reporter:
            load_graft_weights(self.model, got["weights"], "the reporter's checkpoint")
            slots, step = got["slots"]
            self.set_optimizer_state(slots, step)
        return got["info"]

    def sync_buffers(self):
        """Rank 0's BatchNorm statistics everywhere, as DDP broadcasts them before each step."""
        if self.world > 1:
            for b in self.model.buffers():
                dist.broadcast(b, 0)

    # -- one pass ------------------------------------------------------------------------------
    def shard(self, n):
        base, extra = divmod(n, self.world)
        lo = self.rank * base + min(self.rank, extra)
        return lo, lo + base + (1 if self.rank < extra else 0)

    def all_sum(self, values):
        t = torch.tensor(values, dtype=torch.float64)
        if self.world > 1:
            t = t.to(self.device)
            dist.all_reduce(t)
        return t.cpu().tolist()

    def evaluate(self, split, batch_size):
        """Loss, top-1, top-5, per-class accuracy and confusion over a split, sharded over ranks."""
        self.sync_buffers()
        self.model.eval()
        k = self.job["module"]["classes"]
        confusion = torch.zeros(k, k, dtype=torch.float64)
        loss_sum = 0.0
        top5 = 0.0
        lo, hi = self.shard(split.size)
        order = list(range(split.size))
        with torch.no_grad():
            for at in range(lo, hi, batch_size):
                x, y = split.batch(order[at:min(at + batch_size, hi)])
                logits = self.model(x.to(self.device)).cpu()
                loss_sum += float(F.cross_entropy(logits.double(), y, reduction="sum"))
                pred = logits.argmax(-1)
                top = logits.topk(min(5, k), dim=-1).indices
                top5 += float((top == y.unsqueeze(1)).any(-1).sum())
                confusion.index_put_((y, pred), torch.ones(len(y), dtype=torch.float64),
                                     accumulate=True)
        totals = self.all_sum([loss_sum, top5] + confusion.flatten().tolist())
        loss_sum, top5 = totals[0], totals[1]
        confusion = [[int(v) for v in totals[2 + r * k:2 + (r + 1) * k]] for r in range(k)]
        n = split.size
        correct = sum(confusion[i][i] for i in range(k))
        per_class = []
        for i, row in enumerate(confusion):
            total = sum(row)
            per_class.append(row[i] / total if total else None)
        return {"count": n, "loss": loss_sum / n if n else None, "top1": correct / n if n else None,
                "top5": top5 / n if n else None, "perClass": per_class, "confusion": confusion}

    def train_mode(self):
        self.model.train()
        for m in self.frozen_bn:
            m.eval()

    # -- the loop ------------------------------------------------------------------------------
    def run(self):
        job, t = self.job, self.job["train"]
        data = self.train_data
        batch_size, epochs = t["batchSize"], t["epochs"]
        steps_per_epoch = math.ceil(data.size / batch_size)
        total_steps = steps_per_epoch * epochs
        last_batch = data.size - (steps_per_epoch - 1) * batch_size
        if min(batch_size, last_batch) < self.world:
            raise JobError("Cannot train", [
                f"a batch of {min(batch_size, last_batch)} images cannot be split over "
                f"{self.world} processes (train size {data.size}, batch size {batch_size})"], 2)
        factors = t["lrFactors"]
        if len(factors) < total_steps:
            raise JobError("Cannot train", [f"train.lrFactors has {len(factors)} entries, the run "
                                            f"takes {total_steps} steps"], 2)
        rates = t["rates"]
        smoothing = t.get("labelSmoothing", 0.0)
        ckpt = job.get("checkpoints") or {}
        ckpt_dir = self.path(ckpt["dir"]) if ckpt.get("dir") else None
        monitor = ckpt.get("monitor")
        es = t.get("earlyStopping")

        rng = Rng(t["seed"])
        rng_at_epoch = rng.state()
        epoch_done, step = 0, 0
        history = []
        resumed_from = None
        resume = job.get("resume")
        restarted = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")) > 0
        # Whether Deno answers events is the reporter's to say (the other machines run no callbacks).
        handshake, batch_handshake = self.all_sum(
            [float(bool(job.get("handshake"))), float(bool(job.get("batchHandshake")))]
            if self.reporter else [0.0, 0.0])
        handshake, batch_handshake = handshake > 0, batch_handshake > 0
        if restarted and ckpt_dir and os.path.exists(os.path.join(ckpt_dir, "last.safetensors")):
            resume = os.path.join(ckpt_dir, "last.safetensors")
        committed = os.path.join(self.dir, "committed")
        if restarted and handshake and os.path.exists(committed):
            with open(committed) as f:
                resume = f.read().strip() or resume
        info = self.start_state(resume)
        if info is not None:
            rng = Rng.from_state(info["rng"])
            rng_at_epoch = rng.state()
            epoch_done, step = info["epoch"], info["step"]
            history = list(info["history"])
            resumed_from = resume

        def lr_at(s):
            f = factors[min(s, len(factors) - 1)]
            return {g: rates[g] * f for g in self.groups}

        def info_now():
            return {"epoch": epoch_done, "step": step, "rng": rng_at_epoch,
                    "settings": self.settings(), "history": history, "callbacks": {}}

        trainable = sum(p.numel() for ps in self.groups.values() for _, p, _ in ps)
        everything = sum(v.numel() for _, v, _, _, _ in self.entries)
        started = now_ms()
        self.emit("trainBegin", startEpoch=epoch_done + 1, epochs=epochs,
                  stepsPerEpoch=steps_per_epoch, totalSteps=total_steps, trainSize=data.size,
                  validationSize=self.validation.size if self.validation else 0,
                  batchSize=batch_size, trainableParams=trainable,
                  frozenParams=everything - trainable, lr=rates,
                  device=str(self.device), world=self.world, torch=torch.__version__,
                  **({"resumedFrom": resumed_from} if resumed_from else {}))
        best_metric, best_epoch, wait, best_weights = None, 0, 0, None
        checkpoint_best = None
        stop_reason = None
        for e in history:  # a resumed run remembers its best epochs
            if es and es["monitor"] in e:
                v = e[es["monitor"]]
                if best_epoch == 0 or better(es["monitor"], v, best_metric, es.get("minDelta", 0)):
                    best_metric, best_epoch, wait = v, e["epoch"], 0
                else:
                    wait += 1
            if monitor and monitor in e:
                if checkpoint_best is None or better(monitor, e[monitor], checkpoint_best, 0):
                    checkpoint_best = e[monitor]
        last_ckpt = None
        stop_file = os.path.join(self.dir, "STOP")
        kill = os.environ.get("GRAFT_TEST_KILL_AT", "") if not restarted else ""
        kill_at = tuple(int(v) for v in kill.split(":")) if kill else None
        epoch = epoch_done
        while epoch < epochs and stop_reason is None:
            epoch += 1
            epoch_start = now_ms()
            self.emit("epochBegin", epoch=epoch, epochs=epochs, step=step, lr=lr_at(step))
            order = rng.permutation(data.size)
            loss_sum = correct_sum = 0.0
            seen = 0
            train_ms = 0.0
            self.train_mode()
            lr = lr_at(step)
            completed = True
            for batch, at in enumerate(range(0, data.size, batch_size), start=1):
                indices = order[at:at + batch_size]
                n = len(indices)
                lo, hi = self.shard(n)
                x, y = data.batch(indices, rng if self.augment else None, (lo, hi))
                lr = lr_at(step)
                for g in self.optimizer.param_groups:
                    g["lr"] = lr[g["name"]]
                t0 = now_ms()
                x, y = x.to(self.device), y.to(self.device)
                logits = self.net(x)
                per = F.cross_entropy(logits, y, reduction="none", label_smoothing=smoothing)
                # Scaled so that DDP's mean over processes is the mean over the global batch.
                loss = per.sum() * (self.world / n)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                hits = float((logits.detach().argmax(-1) == y).sum())
                asked = 1.0 if self.reporter and os.path.exists(stop_file) else 0.0
                total_loss, total_hits, asked = self.all_sum([float(per.detach().sum()), hits,
                                                              asked])
                mean_loss = total_loss / n
                if not math.isfinite(mean_loss):
                    raise JobError("Training stopped", [
                        f"the loss is {mean_loss} at epoch {epoch}, step {step + 1} (batch {batch} "
                        f"of {steps_per_epoch})",
                        f"the last good checkpoint is {last_ckpt}" if last_ckpt
                        else "no checkpoint was written before it"])
                self.optimizer.step()
                if kill_at == (self.rank, epoch, batch):  # tests: a worker dying mid-epoch
                    os.kill(os.getpid(), signal.SIGKILL)
                if self.device.type == "cuda":
                    torch.cuda.synchronize()
                step += 1
                ms = now_ms() - t0
                train_ms += ms
                loss_sum += total_loss
                correct_sum += total_hits
                seen += n
                done = dict(epoch=epoch, batch=batch, batches=steps_per_epoch, step=step, size=n,
                            loss=mean_loss, accuracy=total_hits / n, lr=lr,
                            imagesPerSecond=n / max(ms, 1e-6) * 1000,
                            elapsedMs=now_ms() - epoch_start)
                if handshake and batch_handshake:
                    # Deno's onBatchEnd callbacks run before the next batch: ctx.stop() there
                    # ends training right after this one, as in Graft's loop.
                    if self.ask("batchEnd", f"step-{step}", **done)[0] and stop_reason is None:
                        stop_reason = self.answer_reason or "stopped by a callback"
                else:
                    self.emit("batchEnd", **done)
                if asked and stop_reason is None:
                    stop_reason = "stopped by a callback"
                    if self.reporter:
                        with open(stop_file) as f:
                            stop_reason = f.read().strip() or stop_reason
                if stop_reason is not None:
                    completed = at + batch_size >= data.size
                    break
            if not completed:
                break
            epoch_done = epoch
            rng_at_epoch = rng.state()
            self.sync_buffers()  # the checkpoints hold rank 0's statistics
            val = None
            if self.validation:
                val = self.evaluate(self.validation, t.get("evaluateBatchSize", 256))
            event = {"epoch": epoch, "epochs": epochs, "step": step, "loss": loss_sum / seen,
                     "accuracy": correct_sum / seen}
            if val:
                event.update(valLoss=val["loss"], valAccuracy=val["top1"], valTop5=val["top5"])
            event.update(lr=lr, imagesPerSecond=seen / max(train_ms, 1e-6) * 1000,
                         elapsedMs=now_ms() - epoch_start, totalElapsedMs=now_ms() - started)
            history.append(event)
            if handshake:
                # Stage this epoch's checkpoint; Deno's callbacks commit it (ctx.saveCheckpoint)
                # while training waits for their answer, as Graft's loop waits for its callbacks.
                staged = os.path.join(self.dir, f"epoch-{epoch}.safetensors")
                self.save(staged, info_now(), event="staged")
                answer = self.ask("epochEnd", f"epoch-{epoch}", **event)
                if answer[0] and stop_reason is None:
                    stop_reason = self.answer_reason or "stopped by a callback"
                if answer[1]:
                    best_weights = copy.deepcopy(self.model.state_dict())
                    best_epoch = epoch
            else:
                self.emit("epochEnd", **event)
            if es:
                v = event.get(es["monitor"])
                if v is None:
                    raise JobError("Training stopped", [f"cannot monitor {es['monitor']}: the run "
                                                        "has no validation data"], 2)
                if best_epoch == 0 or better(es["monitor"], v, best_metric, es.get("minDelta", 0)):
                    best_metric, best_epoch, wait = v, epoch, 0
                    if es.get("restoreBestWeights", True):
                        best_weights = copy.deepcopy(self.model.state_dict())
                else:
                    wait += 1
                    if wait >= es.get("patience", 3):
                        stop_reason = (f"early stopping: {es['monitor']} did not improve for {wait} "
                                       f"epochs (best {best_metric:.4f} at epoch {best_epoch})")
            if ckpt_dir:
                if monitor and monitor in event:
                    if checkpoint_best is None or better(monitor, event[monitor], checkpoint_best, 0):
                        checkpoint_best = event[monitor]
                        self.save(os.path.join(ckpt_dir, "best.safetensors"), info_now())
                self.save(os.path.join(ckpt_dir, "last.safetensors"), info_now())
                last_ckpt = os.path.join(ckpt_dir, "last.safetensors")
        stopped = stop_reason is not None and epoch_done < epochs
        end = dict(epoch=epoch_done, step=step, stopped=stopped,
                   **({"reason": stop_reason} if stop_reason else {}), history=history,
                   elapsedMs=now_ms() - started)
        if handshake:
            if self.ask("trainEnd", "end", **end)[2] and best_weights is not None:
                self.model.load_state_dict(best_weights)
        else:
            self.emit("trainEnd", **end)
        if not handshake and best_weights is not None and history and \
                history[-1]["epoch"] != best_epoch:
            self.model.load_state_dict(best_weights)
        final = self.test or self.validation
        if final is not None:
            ev = self.evaluate(final, t.get("evaluateBatchSize", 256))
            self.emit("evaluation", split="test" if self.test else "validation", **ev)
        if job.get("finalWeights") and self.reporter:
            safetensors_io.write(self.path(job["finalWeights"]),
                                 {k: v for k, v in graft_weights(self.model).items()},
                                 {"format": "graft.weights/v1"})


def better(monitor, a, b, min_delta):
    return a < b - min_delta if monitor.endswith("oss") else a > b + min_delta


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("Usage: python3 train.py JOB.json\n")
        return 2
    job_file = os.path.abspath(argv[1])
    engine = None
    try:
        with open(job_file) as f:
            job = json.load(f)
        if job.get("format") != "graft.torch-job/v1":
            raise JobError("Cannot start the torch engine",
                           [f"{job_file} is not a Graft torch job (format {job.get('format')})"], 2)
        threads = job.get("threads")
        if threads:
            torch.set_num_threads(int(threads))
        engine = Engine(job, os.path.dirname(job_file))
        _ALIVE.append(engine)  # destroyed only by os._exit (see run_and_exit)
        engine.setup()
        engine.run()
        return 0
    except JobError as e:
        if engine.reporter if engine else os.environ.get("RANK", "0") == "0":
            sys.stdout.write(json.dumps({"event": "error", "message": str(e),
                                         "problems": e.problems, "code": e.code}) + "\n")
            sys.stdout.flush()
        sys.stderr.write(f"{e}: {'; '.join(e.problems)}\n")
        return e.code



def run_and_exit(argv):
    code = main(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # Exit before the engine (and its DistributedDataParallel reducer) is destroyed: with gloo
    # and BatchNorm buffers, PyTorch 1.13's destructors can wait forever once the work is done.
    os._exit(code)


if __name__ == "__main__":
    run_and_exit(sys.argv)
