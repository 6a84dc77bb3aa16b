// Test fixtures: realistic built-in objects in exactly the JSON form upstream's API server
// writes them (defaulted fields, Go omitempty rules), for protobuf round trips.
/* eslint-disable @typescript-eslint/no-explicit-any */

const managedFields = [{
  manager: 'kubectl-create',
  operation: 'Update',
  apiVersion: 'apps/v1',
  time: '2024-05-06T07:08:09Z',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } },
}];

export const deployment: Record<string, any> = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: {
    name: 'web',
    namespace: 'default',
    uid: '6f1c3a52-1111-4c4e-9a0e-3d2a1b0c9f00',
    resourceVersion: '12345',
    generation: 2,
    creationTimestamp: '2024-05-06T07:08:09Z',
    labels: { app: 'web', tier: 'frontend' },
    annotations: { 'deployment.kubernetes.io/revision': '1' },
    managedFields,
  },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'edge'] }] },
    template: {
      metadata: { creationTimestamp: null, labels: { app: 'web', tier: 'frontend' } },
      spec: {
        volumes: [
          { name: 'cfg', configMap: { name: 'web-config', items: [{ key: 'a', path: 'a.conf' }], defaultMode: 420 } },
          { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
          { name: 'tok', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }], defaultMode: 420 } },
        ],
        initContainers: [{
          name: 'init', image: 'busybox:1.36', command: ['sh', '-c', 'true'], resources: {},
          terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent',
        }],
        containers: [{
          name: 'nginx',
          image: 'nginx:1.25',
          args: ['-g', 'daemon off;'],
          ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }, { containerPort: 8443, hostPort: 8443, protocol: 'TCP' }],
          envFrom: [{ configMapRef: { name: 'env-cm', optional: true } }],
          env: [
            { name: 'MODE', value: 'prod' },
            { name: 'EMPTY' },
            { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
            { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
            { name: 'MEM', valueFrom: { resourceFieldRef: { containerName: 'nginx', resource: 'limits.memory', divisor: '1Mi' } } },
          ],
          resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '250m', 'ephemeral-storage': '1Gi', memory: '128Mi' } },
          volumeMounts: [{ name: 'cfg', readOnly: true, mountPath: '/etc/nginx/conf.d' }, { name: 'tmp', mountPath: '/tmp' }],
          livenessProbe: {
            httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: '1' }] },
            initialDelaySeconds: 5, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3,
          },
          readinessProbe: { tcpSocket: { port: 80 }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
          startupProbe: { exec: { command: ['cat', '/tmp/ready'] }, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 30 },
          lifecycle: { preStop: { sleep: { seconds: 5 } } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
          securityContext: { capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] }, privileged: false, runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' } },
        }],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        dnsPolicy: 'ClusterFirst',
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        serviceAccountName: 'web',
        serviceAccount: 'web',
        automountServiceAccountToken: false,
        securityContext: { runAsGroup: 1000, fsGroup: 2000, sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [{
              weight: 100,
              podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' },
            }],
          },
        },
        schedulerName: 'default-scheduler',
        tolerations: [
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
          { key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' },
        ],
        priority: 0,
        enableServiceLinks: true,
        preemptionPolicy: 'PreemptLowerPriority',
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } }],
      },
    },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  },
  status: {
    observedGeneration: 2,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    conditions: [
      { type: 'Available', status: 'True', lastUpdateTime: '2024-05-06T07:08:20Z', lastTransitionTime: '2024-05-06T07:08:20Z', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      { type: 'Progressing', status: 'True', lastUpdateTime: '2024-05-06T07:08:20Z', lastTransitionTime: '2024-05-06T07:08:09Z', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet "web-5d4f8c7b9" has successfully progressed.' },
    ],
  },
};

export const service: Record<string, any> = {
  kind: 'Service',
  apiVersion: 'v1',
  metadata: { name: 'web', namespace: 'default', uid: 'a0b1c2d3-0000-4000-8000-000000000001', resourceVersion: '77', creationTimestamp: '2024-05-06T07:08:09Z', labels: { app: 'web' } },
  spec: {
    ports: [
      { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 },
      { name: 'https', protocol: 'TCP', appProtocol: 'https', port: 443, targetPort: 'https', nodePort: 30443 },
    ],
    selector: { app: 'web' },
    clusterIP: '10.96.12.34',
    clusterIPs: ['10.96.12.34'],
    type: 'NodePort',
    sessionAffinity: 'ClientIP',
    externalTrafficPolicy: 'Cluster',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    internalTrafficPolicy: 'Cluster',
  },
  status: { loadBalancer: {} },
};

export const secret: Record<string, any> = {
  kind: 'Secret',
  apiVersion: 'v1',
  metadata: { name: 'creds', namespace: 'default', resourceVersion: '5', creationTimestamp: '2024-05-06T07:08:09Z' },
  immutable: true,
  data: {
    binary: Buffer.from([0, 1, 2, 0xfe, 0xff, 0x80]).toString('base64'),
    empty: '',
    password: Buffer.from('s3cr3t\n').toString('base64'),
  },
  type: 'Opaque',
};

export const configMap: Record<string, any> = {
  kind: 'ConfigMap',
  apiVersion: 'v1',
  metadata: { name: 'web-config', namespace: 'default', creationTimestamp: '2024-05-06T07:08:09Z', annotations: { note: 'ünïcødé ✓' } },
  data: { 'a.conf': 'server {\n  listen 80;\n}\n', empty: '' },
  binaryData: { 'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64') },
};

export const job: Record<string, any> = {
  kind: 'Job',
  apiVersion: 'batch/v1',
  metadata: {
    name: 'pi', namespace: 'default', creationTimestamp: '2024-05-06T07:08:09Z', labels: { 'batch.kubernetes.io/job-name': 'pi' },
    ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'pi-cron', uid: 'c0ffee00-0000-4000-8000-000000000000', controller: true, blockOwnerDeletion: true }],
    finalizers: ['batch.kubernetes.io/job-tracking'],
  },
  spec: {
    parallelism: 1,
    completions: 1,
    activeDeadlineSeconds: 600,
    backoffLimit: 0,
    selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } },
    manualSelector: false,
    template: {
      metadata: { creationTimestamp: null, labels: { 'batch.kubernetes.io/job-name': 'pi' } },
      spec: {
        containers: [{ name: 'pi', image: 'perl:5.34', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'], resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' }],
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 30,
        dnsPolicy: 'ClusterFirst',
        securityContext: {},
        schedulerName: 'default-scheduler',
      },
    },
    ttlSecondsAfterFinished: 100,
    completionMode: 'NonIndexed',
    suspend: false,
    podReplacementPolicy: 'TerminatingOrFailed',
  },
  status: {
    conditions: [{ type: 'Complete', status: 'True', lastProbeTime: '2024-05-06T07:09:09Z', lastTransitionTime: '2024-05-06T07:09:09Z' }],
    startTime: '2024-05-06T07:08:09Z',
    completionTime: '2024-05-06T07:09:09Z',
    succeeded: 1,
    terminating: 0,
    uncountedTerminatedPods: {},
    ready: 0,
  },
};

export const role: Record<string, any> = {
  kind: 'Role',
  apiVersion: 'rbac.authorization.k8s.io/v1',
  metadata: { name: 'pod-reader', namespace: 'default', creationTimestamp: '2024-05-06T07:08:09Z' },
  rules: [
    { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'] },
    { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'] },
  ],
};

export const lease: Record<string, any> = {
  kind: 'Lease',
  apiVersion: 'coordination.k8s.io/v1',
  metadata: { name: 'kube-scheduler', namespace: 'kube-system', resourceVersion: '991', creationTimestamp: '2024-05-06T07:08:09Z' },
  spec: {
    holderIdentity: 'node1_8a3c0b6e',
    leaseDurationSeconds: 15,
    acquireTime: '2024-05-06T07:08:09.123456Z',
    renewTime: '2024-05-06T07:18:09.000001Z',
    leaseTransitions: 0,
  },
};

export const eventsV1: Record<string, any> = {
  kind: 'Event',
  apiVersion: 'events.k8s.io/v1',
  metadata: { name: 'web.17c', namespace: 'default', creationTimestamp: '2024-05-06T07:08:09Z' },
  eventTime: '2024-05-06T07:08:09.500000Z',
  series: { count: 3, lastObservedTime: '2024-05-06T07:09:09.250000Z' },
  reportingController: 'kubelet',
  reportingInstance: 'kubelet-node1',
  action: 'Pulling',
  reason: 'Pulling',
  regarding: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u-web-1', apiVersion: 'v1', resourceVersion: '10', fieldPath: 'spec.containers{nginx}' },
  note: 'Pulling image "nginx:1.25"',
  type: 'Normal',
  deprecatedSource: {},
  deprecatedFirstTimestamp: null,
  deprecatedLastTimestamp: null,
};

export const pod: Record<string, any> = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: {
    name: 'web-1', generateName: 'web-', namespace: 'default', uid: 'u-web-1', resourceVersion: '10', creationTimestamp: '2024-05-06T07:08:09Z',
    deletionTimestamp: '2024-05-06T08:00:00Z', deletionGracePeriodSeconds: 30, labels: { app: 'web' },
  },
  spec: {
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'sec', secret: { secretName: 'creds', defaultMode: 256, optional: false } },
      { name: 'host', hostPath: { path: '/var/log', type: '' } },
    ],
    containers: [{ name: 'app', image: 'app:1', resources: { limits: { 'nvidia.com/gpu': '1' } }, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'Always', stdin: true, tty: true }],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    nodeName: 'node1',
    hostNetwork: true,
    securityContext: {},
    schedulerName: 'default-scheduler',
    overhead: { cpu: '250m' },
    os: { name: 'linux' },
    hostUsers: false,
    schedulingGates: [{ name: 'example.com/gate' }],
    resources: { limits: { cpu: '2' } },
  },
  status: {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2024-05-06T07:08:15Z' }],
    hostIP: '192.0.2.10',
    hostIPs: [{ ip: '192.0.2.10' }],
    podIP: '10.244.1.7',
    podIPs: [{ ip: '10.244.1.7' }, { ip: 'fd00::7' }],
    startTime: '2024-05-06T07:08:09Z',
    containerStatuses: [{
      name: 'app',
      state: { running: { startedAt: '2024-05-06T07:08:12Z' } },
      lastState: { terminated: { exitCode: 137, signal: 9, reason: 'OOMKilled', startedAt: '2024-05-06T07:00:00Z', finishedAt: '2024-05-06T07:08:10Z', containerID: 'containerd://abc' } },
      ready: true,
      restartCount: 1,
      image: 'docker.io/library/app:1',
      imageID: 'docker.io/library/app@sha256:0123',
      containerID: 'containerd://def',
      started: true,
      allocatedResources: { cpu: '2' },
      volumeMounts: [{ name: 'data', mountPath: '/data', recursiveReadOnly: 'Disabled' }],
    }],
    qosClass: 'BestEffort',
  },
};
