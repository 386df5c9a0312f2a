#!/usr/bin/env python3
"""The Kubernetes Horizontal Pod Autoscaler as a scalelab external engine.

Python 3, standard library only. It speaks the ``hpa`` dialect of scalelab's engine protocol v1
(docs/PROTOCOL.md) and decides exactly as scalelab's built-in HPA core, which reproduces
kubernetes ``pkg/controller/podautoscaler``:

* ``onSync`` (``src/engines/hpa/engine.ts``; upstream ``reconcileAutoscaler``): bounds first,
  then the largest proposal over the metrics (``computeReplicasForMetrics``);
* the replica calculator (``replicas.ts``; upstream ``replica_calculator.go``): ``groupPods``
  readiness rules, integer utilisation, tolerance, the second pass for missing and unready pods;
  Resource (cpu, memory; Utilization and AverageValue), Pods, Object and External metrics;
* normalisation (``normalize.ts``; upstream ``horizontal.go``): the legacy path (downscale
  stabilisation, scale-up limit max(2 × current, 4)) and the ``behavior`` path (stabilisation
  windows, Pods/Percent policies with Max/Min/Disabled, scale events);
* the release differences of ``version`` 1.20, 1.23, 1.30 and 1.35 (scalelab's variants).

The configuration is ``hello.core`` (the resolved HPA configuration: metrics with milli-unit
targets, behavior with its defaults, controller periods in µs). The world (pods, the ReplicaSet,
metrics-server samples) stays in the simulator: each ``observe`` carries what the pod lister and
the metrics APIs show, and the reply carries ``desiredReplicas``, at most one ``scale`` action,
the next sync (``wakeAt`` = now + syncPeriod) and a ``report`` ``{cpu, proposal, ratios}`` for
the charts. It does not want ``spawn_result`` or ``gone`` (the ReplicaSet is world-side).

    scalelab run scenarios/hpa-default.yaml \\
      --set engine.kind=external --set 'engine.command=[python3, ../examples/engines/hpa.py]'
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scalelab_engine import Engine, Refused, clean, js_ceil, js_div, serve  # noqa: E402

SECOND = 1000000
SCALE_UP_LIMIT_FACTOR = 2.0
SCALE_UP_LIMIT_MINIMUM = 4.0
MAX_INT32 = 2 ** 31 - 1
MIN_INT32 = -(2 ** 31)
VERSIONS = ('1.20', '1.23', '1.30', '1.35')


class MetricError(Exception):
    """A metric that could not be computed: it is invalid for this sync."""


def minor_of(version):
    return int(version.split('.')[1])


def trunc(x):
    """Go's int32(x) / JS Math.trunc of a finite float."""
    return int(x) if isinstance(x, float) else x


# --- tolerances and pods ---------------------------------------------------------------------

class Tolerances:
    def __init__(self, down, up, symmetric):
        self.down = down
        self.up = up
        self.symmetric = symmetric


def is_within(t, ratio):
    """1.33+: ``1 - down <= r <= 1 + up``; before: ``|1 - r| <= tolerance``."""
    if t.symmetric:
        return abs(1.0 - ratio) <= t.up
    return 1.0 - t.down <= ratio and ratio <= 1.0 + t.up


def tolerances_for(config):
    v = minor_of(config['version'])
    behavior = config.get('behavior')
    down = up = None
    if v >= 35 and behavior is not None:
        down = behavior['scaleDown'].get('tolerance')
        up = behavior['scaleUp'].get('tolerance')
    return Tolerances(config['tolerance'] if down is None else down, config['tolerance'] if up is None else up, v < 33)


def sample_of(pod, source):
    """A pod's sample from ``source`` ('cpu', 'memory' or ('pods', name)), or None."""
    if source == 'cpu':
        return pod.get('cpu')
    if source == 'memory':
        return pod.get('memory')
    custom = pod.get('custom') or {}
    value = custom.get(source[1])
    return None if value is None else {'usage': value, 'timestamp': 0, 'window': 0}


def group_pods(pods, resource, cpu_init, readiness_delay, now):
    """``groupPods``: (ready count, unready, missing, ignored); the name sets are ordered dicts."""
    ready = 0
    unready = {}
    missing = {}
    ignored = {}
    for pod in pods:
        name = pod['name']
        if pod['deleted'] or pod['phase'] == 'Failed':
            ignored[name] = True
            continue
        if pod['phase'] == 'Pending':
            unready[name] = True
            continue
        metric = sample_of(pod, resource)
        if metric is None:
            missing[name] = True
            continue
        if resource == 'cpu':
            condition = pod.get('ready')
            start = pod.get('startTime')
            if condition is None or start is None:
                not_ready = True
            elif start + cpu_init > now:
                not_ready = condition['status'] == 'False' or metric['timestamp'] < condition['lastTransitionTime'] + metric['window']
            else:
                not_ready = condition['status'] == 'False' and start + readiness_delay > condition['lastTransitionTime']
            if not_ready:
                unready[name] = True
                continue
        ready += 1
    return ready, unready, missing, ignored


def milli_usage(resource, usage):
    return usage * 1000 if resource == 'memory' else usage


def pod_metrics(pods, resource, drop):
    m = {}
    for pod in pods:
        s = sample_of(pod, resource)
        if s is None or any(pod['name'] in d for d in drop):
            continue
        m[pod['name']] = milli_usage(resource, s['usage'])
    return m


def resource_utilization_ratio(metrics, requests, target):
    metrics_total = 0
    requests_total = 0
    for pod, value in metrics.items():
        request = requests.get(pod)
        if request is None:
            continue
        metrics_total += value
        requests_total += request
    if requests_total == 0:
        raise MetricError('no metrics returned matched known pods')
    # as JS doubles: the product rounds like JavaScript's once it passes 2^53 (thousands of pods with memory)
    utilization = trunc((float(metrics_total) * 100) / requests_total)
    return utilization / target, utilization


def metric_usage_ratio(metrics, target):
    total = 0
    for v in metrics.values():
        total += v
    usage = trunc(total / len(metrics))
    return usage / target, usage


def second_pass(tol, current, ratio, new_ratio, counted, value):
    if is_within(tol, new_ratio) or (ratio < 1.0 and new_ratio > 1.0) or (ratio > 1.0 and new_ratio < 1.0):
        return current, value
    new_replicas = math.ceil(new_ratio * counted)
    if (new_ratio < 1.0 and new_replicas > current) or (new_ratio > 1.0 and new_replicas < current):
        return current, value
    return new_replicas, value


def resource_replicas(config, tol, current, target, resource, obs, now):
    """``GetResourceReplicas`` for an average-utilisation target: (replicas, utilisation %)."""
    pods = obs['pods']
    if len(pods) == 0:
        raise MetricError('no pods returned by selector while calculating replica count')
    ready, unready, missing, ignored = group_pods(pods, resource, config['cpuInitializationPeriod'], config['initialReadinessDelay'], now)
    metrics = pod_metrics(pods, resource, [ignored, unready])
    if len(metrics) == 0:
        raise MetricError('did not receive metrics for targeted pods (pods might be unready)')
    requests = {}
    for pod in pods:
        r = (pod.get('requests') or {}).get(resource)
        if r is None:
            raise MetricError('missing request for %s in pod %s' % (resource, pod['name']))
        requests[pod['name']] = milli_usage(resource, r)
    ratio, utilization = resource_utilization_ratio(metrics, requests, target)
    scale_up_with_unready = len(unready) > 0 and ratio > 1.0
    if not scale_up_with_unready and len(missing) == 0:
        if is_within(tol, ratio):
            return current, utilization
        return math.ceil(ratio * ready), utilization
    if len(missing) > 0:
        if ratio < 1.0:
            fallback = max(100, target) if minor_of(config['version']) >= 26 else 100
            for name in missing:
                metrics[name] = trunc((float(requests[name]) * fallback) / 100)
        elif ratio > 1.0:
            for name in missing:
                metrics[name] = 0
    if scale_up_with_unready:
        for name in unready:
            metrics[name] = 0
    new_ratio, _ = resource_utilization_ratio(metrics, requests, target)
    return second_pass(tol, current, ratio, new_ratio, len(metrics), utilization)


def raw_resource_replicas(config, tol, current, target, resource, obs, now):
    """``calcPlainMetricReplicas``: average usage per pod against an average-value target."""
    pods = obs['pods']
    if len(pods) == 0:
        raise MetricError('no pods returned by selector while calculating replica count')
    ready, unready, missing, ignored = group_pods(pods, resource, config['cpuInitializationPeriod'], config['initialReadinessDelay'], now)
    metrics = pod_metrics(pods, resource, [ignored, unready])
    if len(metrics) == 0:
        raise MetricError('did not receive metrics for targeted pods (pods might be unready)')
    ratio, usage = metric_usage_ratio(metrics, target)
    scale_up_with_unready = len(unready) > 0 and ratio > 1.0
    if not scale_up_with_unready and len(missing) == 0:
        if is_within(tol, ratio):
            return current, usage
        return math.ceil(ratio * ready), usage
    if len(missing) > 0:
        if ratio < 1.0:
            for name in missing:
                metrics[name] = target
        elif ratio > 1.0:
            for name in missing:
                metrics[name] = 0
    if scale_up_with_unready:
        for name in unready:
            metrics[name] = 0
    new_ratio, _ = metric_usage_ratio(metrics, target)
    return second_pass(tol, current, ratio, new_ratio, len(metrics), usage)


def ready_pods_count(pods):
    if len(pods) == 0:
        raise MetricError('no pods returned by selector while calculating replica count')
    return sum(1 for p in pods if p['phase'] == 'Running' and (p.get('ready') or {}).get('status') == 'True')


def external_replicas(tol, current, target, value, pods):
    """``getUsageRatioReplicaCount`` (Value targets of Object and External metrics)."""
    ratio = value / target
    if current == 0:
        return js_ceil(ratio), value
    if is_within(tol, ratio):
        return current, value
    return js_ceil(ratio * ready_pods_count(pods)), value


def external_per_pod_replicas(tol, status, target, value):
    """AverageValue targets of Object and External metrics, on status replicas."""
    ratio = js_div(value, target * status)
    replicas = status if is_within(tol, ratio) else js_ceil(value / target)
    return replicas, js_ceil(js_div(value, status))


def metric_name(m):
    if m['type'] == 'Pods':
        return 'pods metric %s' % m['name']
    if m['type'] == 'Resource':
        return '%s resource%s' % (m['name'], ' utilization (percentage of request)' if m['target']['type'] == 'Utilization' else '')
    if m['type'] == 'Object':
        return '%s metric %s' % (m['describedObject']['kind'], m['name'])
    return 'external metric %s' % m['name']


def proposal_for(config, metric, obs, now):
    """One metric's (replicas, current value); raises MetricError when it is invalid."""
    tol = tolerances_for(config)
    spec = obs['specReplicas']
    target = metric['target']
    status = obs.get('statusReplicas')
    status = spec if status is None else status
    if metric['type'] == 'Resource':
        if target['type'] == 'Utilization':
            return resource_replicas(config, tol, spec, target['averageUtilization'], metric['name'], obs, now)
        return raw_resource_replicas(config, tol, spec, target['averageValue'], metric['name'], obs, now)
    if metric['type'] == 'Pods':
        return raw_resource_replicas(config, tol, spec, target['averageValue'], ('pods', metric['name']), obs, now)
    if metric['type'] == 'Object':
        value = (obs.get('object') or {}).get(metric['name'])
        if value is None:
            raise MetricError('unable to get metric %s: %s %s' % (metric['name'], metric['describedObject']['kind'], metric['describedObject']['name']))
    else:
        value = (obs.get('external') or {}).get(metric['name'])
        if value is None:
            raise MetricError('unable to get external metric %s' % metric['name'])
    if target['type'] == 'Value':
        return external_replicas(tol, spec, target['value'], value, obs['pods'])
    return external_per_pod_replicas(tol, status, target['averageValue'], value)


def compute_replicas_for_metrics(config, obs, now):
    """The largest proposal over the valid metrics; -1 when none may act. Also the outcomes."""
    replicas = 0
    metric = ''
    invalid = 0
    outcomes = []
    for spec in config['metrics']:
        name = metric_name(spec)
        try:
            proposal, current = proposal_for(config, spec, obs, now)
            outcomes.append((name, proposal, current))
            if replicas == 0 or proposal > replicas:
                replicas = proposal
                metric = name
        except MetricError:
            invalid += 1
            outcomes.append((name, None, None))
    if invalid >= len(config['metrics']) or (invalid > 0 and replicas < obs['specReplicas']):
        return -1, '', outcomes
    return replicas, metric, outcomes


# --- normalisation ---------------------------------------------------------------------------

def replace_or_append(lst, at, item):
    out = list(lst)
    if at >= 0:
        out[at] = item
    else:
        out.append(item)
    return out


def stabilize_recommendation(recs, desired, window, now):
    """Legacy path: the highest recommendation within the downscale window."""
    best = desired
    old = -1
    cutoff = now - window
    for i, (rec, ts) in enumerate(recs):
        if ts < cutoff:
            old = i
        elif rec > best:
            best = rec
    return best, replace_or_append(recs, old, (desired, now))


def convert_with_rules(current, desired, min_replicas, max_replicas):
    limit = trunc(max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM))
    maximum = limit if max_replicas > limit else max_replicas
    if desired < min_replicas:
        return min_replicas
    if desired > maximum:
        return maximum
    return desired


def stabilize_with_behaviors(config, behavior, recs, current, desired, now):
    up_window = (behavior['scaleUp'].get('stabilizationWindowSeconds') or 0) * SECOND
    down_seconds = behavior['scaleDown'].get('stabilizationWindowSeconds')
    if down_seconds is None:
        down_seconds = trunc(config['downscaleStabilization'] / SECOND)
    down_window = down_seconds * SECOND
    up_cutoff = now - up_window
    down_cutoff = now - down_window
    old = -1
    if minor_of(config['version']) < 21:
        going_up = desired >= current
        cutoff = up_cutoff if going_up else down_cutoff
        obsolete = now - max(up_window, down_window)
        recommendation = desired
        for i, (rec, ts) in enumerate(recs):
            if ts > cutoff:
                recommendation = min(rec, recommendation) if going_up else max(rec, recommendation)
            if ts < obsolete:
                old = i
    else:
        up = desired
        down = desired
        for i, (rec, ts) in enumerate(recs):
            if ts > up_cutoff:
                up = min(rec, up)
            if ts > down_cutoff:
                down = max(rec, down)
            if ts < up_cutoff and ts < down_cutoff:
                old = i
        recommendation = current
        if recommendation < up:
            recommendation = up
        if recommendation > down:
            recommendation = down
    return recommendation, replace_or_append(recs, old, (desired, now))


def change_per_period(period_seconds, events, now):
    cutoff = now - period_seconds * SECOND
    total = 0
    for change, ts, _outdated in events:
        if ts > cutoff:
            total += change
    return total


def scale_up_limit(config, current, up_events, down_events, rules, now):
    if rules['selectPolicy'] == 'Disabled':
        return current
    use_min = rules['selectPolicy'] == 'Min'
    both = minor_of(config['version']) >= 26
    result = MAX_INT32 if use_min else MIN_INT32
    for p in rules['policies']:
        added = change_per_period(p['periodSeconds'], up_events, now)
        deleted = change_per_period(p['periodSeconds'], down_events, now) if both else 0
        start = current - added + deleted
        proposed = start + p['value'] if p['type'] == 'Pods' else trunc(math.ceil(start * (1 + p['value'] / 100)))
        result = min(result, proposed) if use_min else max(result, proposed)
    return result


def scale_down_limit(config, current, up_events, down_events, rules, now):
    if rules['selectPolicy'] == 'Disabled':
        return current
    use_max = rules['selectPolicy'] == 'Min'
    both = minor_of(config['version']) >= 26
    result = MIN_INT32 if use_max else MAX_INT32
    for p in rules['policies']:
        added = change_per_period(p['periodSeconds'], up_events, now) if both else 0
        deleted = change_per_period(p['periodSeconds'], down_events, now)
        start = current - added + deleted
        proposed = start - p['value'] if p['type'] == 'Pods' else trunc(start * (1 - p['value'] / 100))
        result = max(result, proposed) if use_max else min(result, proposed)
    return result


def convert_with_behavior_rate(config, behavior, current, desired, up_events, down_events, now):
    if desired > current:
        limit = scale_up_limit(config, current, up_events, down_events, behavior['scaleUp'], now)
        if limit < current:
            limit = current
        maximum = limit if config['maxReplicas'] > limit else config['maxReplicas']
        if desired > maximum:
            return maximum
    elif desired < current:
        limit = scale_down_limit(config, current, up_events, down_events, behavior['scaleDown'], now)
        if limit > current:
            limit = current
        minimum = limit if config['minReplicas'] < limit else config['minReplicas']
        if desired < minimum:
            return minimum
    return desired


def store_scale_event(behavior, up_events, down_events, prev, nxt, now):
    def store(events, rules, change):
        longest = 0
        for p in rules['policies']:
            if p['periodSeconds'] > longest:
                longest = p['periodSeconds']
        cutoff = now - longest * SECOND
        marked = [(c, ts, True) if ts < cutoff and not out else (c, ts, out) for (c, ts, out) in events]
        old = -1
        for i, e in enumerate(marked):
            if e[2]:
                old = i
        return replace_or_append(marked, old, (change, now, False))
    if nxt > prev:
        return store(up_events, behavior['scaleUp'], nxt - prev), down_events
    return up_events, store(down_events, behavior['scaleDown'], prev - nxt)


# --- one sync --------------------------------------------------------------------------------

class HpaState:
    """The controller's memory of one HPA: recommendations and scale events."""

    def __init__(self):
        self.recommendations = None
        self.up_events = []
        self.down_events = []


def on_sync(config, state, obs, now):
    """One sync: (desired, actions, wakeAt, outcomes). Updates ``state``."""
    current = obs['specReplicas']
    wake_at = now + config['syncPeriod']
    recs = state.recommendations if state.recommendations is not None else [(current, now)]
    desired = 0
    rescale = True
    outcomes = []
    behavior = config.get('behavior')
    if current == 0 and config['minReplicas'] != 0:
        rescale = False
        reason = 'ScalingDisabled'
    elif current > config['maxReplicas']:
        desired = config['maxReplicas']
        reason = 'Current number of replicas above Spec.MaxReplicas'
    elif current < config['minReplicas']:
        desired = config['minReplicas']
        reason = 'Current number of replicas below Spec.MinReplicas'
    else:
        replicas, metric, outcomes = compute_replicas_for_metrics(config, obs, now)
        if replicas == -1:
            state.recommendations = recs
            return current, [], wake_at, outcomes
        desired = max(desired, replicas)
        if desired > current:
            reason = '%s above target' % (metric if replicas > 0 else '')
        elif desired < current:
            reason = 'All metrics below target'
        else:
            reason = 'ReadyForNewScale'
        if behavior is None:
            rec, recs = stabilize_recommendation(recs, desired, config['downscaleStabilization'], now)
            desired = convert_with_rules(current, rec, config['minReplicas'], config['maxReplicas'])
        else:
            rec, recs = stabilize_with_behaviors(config, behavior, recs, current, desired, now)
            desired = convert_with_behavior_rate(config, behavior, current, rec, state.up_events, state.down_events, now)
        rescale = desired != current
    state.recommendations = recs
    if not rescale:
        return current, [], wake_at, outcomes
    if behavior is not None:
        state.up_events, state.down_events = store_scale_event(behavior, state.up_events, state.down_events, current, desired, now)
    return desired, [{'type': 'scale', 'from': current, 'to': desired, 'reason': reason}], wake_at, outcomes


def percent_of_target(metric, current):
    if current is None or current == math.inf:
        return math.nan
    if isinstance(current, float) and math.isnan(current):
        return 0
    t = metric['target']
    target = t['averageUtilization'] if t['type'] == 'Utilization' else t['value'] if t['type'] == 'Value' else t['averageValue']
    return (current * 100) / target


def cpu_target(config):
    for m in config['metrics']:
        if m['type'] == 'Resource' and m['name'] == 'cpu' and m['target']['type'] == 'Utilization':
            return m['target']['averageUtilization']
    return None


class Hpa(Engine):
    dialect = 'hpa'
    name = 'hpa.py 1.0'
    batch = True
    wants = []  # the ReplicaSet (spawn results, lost pods) is the world's

    def open(self, hello):
        Engine.open(self, hello)
        config = hello.get('core') or hello.get('config') or {}
        if config.get('version') not in VERSIONS:
            raise Refused('hpa.py reproduces Kubernetes %s only, not version %s' % (', '.join(VERSIONS), config.get('version')))
        for i, m in enumerate(config.get('metrics', [])):
            if m.get('type') not in ('Resource', 'Pods', 'Object', 'External'):
                raise Refused('hpa.py: metric %d has unknown type %s' % (i, m.get('type')))
        self.config = config
        self.target = cpu_target(config)
        self.states = {}

    def handle(self, req):
        kind = req['type']
        if kind not in ('init', 'observe', 'spawn_result', 'gone'):
            raise ValueError('unknown request type %r' % (kind,))
        name = req['group']
        if kind == 'init':
            # the first sync is at t = 0 (the built-in plug-in's firstWake)
            self.states[name] = HpaState()
            return {'type': 'step', 'actions': [], 'wakeAt': 0}
        if name not in self.states:
            raise ValueError('unknown group %r (no init)' % (name,))
        if kind == 'observe':
            return self.sync(name, req['obs'], req['now'])
        # spawn_result, gone: the ReplicaSet (world-side) handles them; nothing to decide
        return {'type': 'step', 'actions': []}
        raise ValueError('unknown request type %r' % (kind,))

    def sync(self, name, obs, now):
        config = self.config
        desired, actions, wake_at, outcomes = on_sync(config, self.states[name], obs, now)
        cpu = None
        if self.target is not None:
            for metric, _proposal, current in outcomes:
                if metric.startswith('cpu resource utilization'):
                    cpu = current
                    break
        metrics = config['metrics']
        if len(outcomes) == len(metrics):
            ratios = [percent_of_target(m, outcomes[k][2]) for k, m in enumerate(metrics)]
        else:
            ratios = [math.nan for _ in metrics]
        proposal = math.nan
        for _metric, p, _current in outcomes:
            if p is not None and (math.isnan(proposal) or p > proposal):
                proposal = p
        report = clean({'cpu': cpu, 'proposal': proposal, 'ratios': ratios})
        return {'type': 'step', 'desiredReplicas': desired, 'actions': actions, 'wakeAt': wake_at, 'report': report}


if __name__ == '__main__':
    serve(Hpa())
