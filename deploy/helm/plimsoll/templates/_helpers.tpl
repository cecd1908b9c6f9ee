{{/*
Names. <fullname> is the release name when it contains the chart's name (`helm install plimsoll`),
so the objects carry the names of deploy/kubernetes.
*/}}
{{- define "plimsoll.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "plimsoll.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* <fullname>-<suffix>: (list $ "suffix") */}}
{{- define "plimsoll.child" -}}
{{- printf "%s-%s" (include "plimsoll.fullname" (index . 0)) (index . 1) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "plimsoll.version" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "plimsoll.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "plimsoll.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: plimsoll
app.kubernetes.io/version: {{ include "plimsoll.version" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels of an object that belongs to one role: (list $ "role"). */}}
{{- define "plimsoll.roleLabels" -}}
{{ include "plimsoll.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{/*
Selector of one role's pods: (list $ "role"). Selectors are immutable once applied, so they hold
only what never changes across upgrades.
*/}}
{{- define "plimsoll.selectorLabels" -}}
app.kubernetes.io/name: {{ include "plimsoll.name" (index . 0) }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{/* Every Plimsoll pod of this release, whatever its role. */}}
{{- define "plimsoll.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "plimsoll.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "plimsoll.image" -}}
{{- $tag := include "plimsoll.version" . }}
{{- if eq $tag "latest" }}
{{- fail "image.tag: `latest` names no release; leave it empty for the chart's appVersion or pin a version" }}
{{- end }}
{{- $repository := .Values.image.repository }}
{{- if .Values.image.registry }}
{{- $repository = printf "%s/%s" .Values.image.registry .Values.image.repository }}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" $repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}
{{- end }}

{{- define "plimsoll.production" -}}
{{- if not (has .Values.mode (list "embedded" "production")) }}
{{- fail (printf "mode: %q is neither embedded nor production" .Values.mode) }}
{{- end }}
{{- if eq .Values.mode "production" }}true{{ end }}
{{- end }}

{{/* The Secret the API tokens are read from: the chart's own when tokens are given. */}}
{{- define "plimsoll.apiTokensCreated" -}}
{{- if or .Values.apiTokens.read .Values.apiTokens.admin }}true{{ end }}
{{- end }}

{{- define "plimsoll.apiTokensSecret" -}}
{{- if include "plimsoll.apiTokensCreated" . }}
{{- include "plimsoll.child" (list . "api-tokens") }}
{{- else }}
{{- required "apiTokens: name existingSecret or give read/admin tokens" .Values.apiTokens.existingSecret }}
{{- end }}
{{- end }}

{{- define "plimsoll.kafkaSasl" -}}
{{- if ne .Values.kafka.sasl.mechanism "none" }}true{{ end }}
{{- end }}

{{/* The Kafka Secret is mounted when SASL's password, the private CA or a client key is read from it. */}}
{{- define "plimsoll.kafkaSecretMounted" -}}
{{- $tls := .Values.kafka.tls }}
{{- if and (include "plimsoll.production" .) (or (include "plimsoll.kafkaSasl" .) $tls.privateCa $tls.clientCertificate) }}true{{ end }}
{{- end }}

{{- define "plimsoll.elasticsearchAuth" -}}
{{- if and (include "plimsoll.production" .) .Values.elasticsearch.username }}true{{ end }}
{{- end }}

{{- define "plimsoll.elasticsearchCa" -}}
{{- if and (include "plimsoll.production" .) .Values.elasticsearch.caSecret }}true{{ end }}
{{- end }}

{{/*
The configuration file. What the values decide is generated here; `config` is merged over it.
Secrets are files on mounted Secrets, never values in this file.
*/}}
{{- define "plimsoll.generatedConfig" -}}
cluster: {{ .Values.cluster | quote }}
{{- if include "plimsoll.production" . }}
runtime:
  bus: kafka
  store: elasticsearch
kafka:
  brokers: {{- toYaml (required "kafka.brokers: the bootstrap brokers" .Values.kafka.brokers) | nindent 4 }}
  partitions: {{ .Values.kafka.partitions }}
  replicationFactor: {{ .Values.kafka.replicationFactor }}
  consumerGroup: {{ .Values.kafka.consumerGroup | quote }}
  ssl:
    enabled: {{ .Values.kafka.tls.enabled }}
    {{- if .Values.kafka.tls.privateCa }}
    caFile: /etc/plimsoll/secrets/kafka/ca.crt
    {{- end }}
    {{- if .Values.kafka.tls.clientCertificate }}
    certFile: /etc/plimsoll/secrets/kafka/user.crt
    keyFile: /etc/plimsoll/secrets/kafka/user.key
    {{- end }}
  sasl:
    mechanism: {{ .Values.kafka.sasl.mechanism }}
    {{- if include "plimsoll.kafkaSasl" . }}
    username: {{ required "kafka.sasl.username: the SASL user" .Values.kafka.sasl.username | quote }}
    passwordFile: /etc/plimsoll/secrets/kafka/password
    {{- end }}
elasticsearch:
  node: {{ required "elasticsearch.node: the Elasticsearch URL" .Values.elasticsearch.node | quote }}
  {{- if include "plimsoll.elasticsearchAuth" . }}
  username: {{ .Values.elasticsearch.username | quote }}
  passwordFile: /etc/plimsoll/secrets/elasticsearch/password
  {{- end }}
  retentionDays: {{- toYaml .Values.elasticsearch.retentionDays | nindent 4 }}
# The collector Deployment runs `enabled`; the node-logs DaemonSet runs
# `collect --collectors logs` with the logs settings.
collectors:
  enabled: [kubernetes, kubelet]
  stateDir: /var/lib/plimsoll
  connection:
    inCluster: true
  kubelet:
    # Each kubelet on its own port: the ClusterRole grants nodes/metrics and nodes/stats, not
    # nodes/proxy.
    mode: direct
    intervalSeconds: 30
    concurrency: 4
  logs:
    source: files
    root: /var/log/pods
    mode: tagged
{{- else }}
runtime:
  bus: embedded
  store: memory
store:
  memoryRetentionDays: {{ .Values.embedded.memoryRetentionDays }}
# One pod cannot read every node's /var/log/pods: logs come through the API server (pods/log).
collectors:
  enabled: [kubernetes, kubelet, logs]
  stateDir: /var/lib/plimsoll
  connection:
    inCluster: true
  kubelet:
    mode: direct
  logs:
    source: api
    mode: tagged
{{- end }}
api:
  host: 0.0.0.0
  port: 8080
  # Liveness and readiness on a port of their own: Node accepts one new connection per turn of
  # its event loop, so on the API's port a probe waits behind every connection a client opens.
  probePort: 8081
  tokensFile: /etc/plimsoll/secrets/api/tokens
{{- end }}

{{- define "plimsoll.config" -}}
{{- $config := include "plimsoll.generatedConfig" . | fromYaml }}
{{- toYaml (mustMergeOverwrite $config (deepCopy .Values.config)) }}
{{- end }}

{{/*
A pod template, the same for every role but for what the arguments say:
  root, role (the component label), settings (the role's values), serviceAccount (its suffix),
  automount, args, env (the role's own variables), state (checkpoints on an emptyDir),
  hostLogs (/var/log/pods, read-only), grace, spread (over nodes).
*/}}
{{- define "plimsoll.podTemplate" -}}
{{- $ := .root }}
{{- $settings := .settings -}}
metadata:
  labels:
    {{- include "plimsoll.roleLabels" (list $ .role) | nindent 4 }}
    {{- with $.Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    # A configuration change rolls the pods that read it; a rollback restores it with them.
    checksum/config: {{ include "plimsoll.config" $ | sha256sum }}
    {{- if include "plimsoll.apiTokensCreated" $ }}
    checksum/api-tokens: {{ include "plimsoll.apiTokensData" $ | sha256sum }}
    {{- end }}
    {{- with $settings.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "plimsoll.child" (list $ .serviceAccount) }}
  automountServiceAccountToken: {{ .automount }}
  enableServiceLinks: false
  terminationGracePeriodSeconds: {{ .grace }}
  {{- with $.Values.imagePullSecrets }}
  imagePullSecrets: {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $.Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- with $settings.nodeSelector }}
  nodeSelector: {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $settings.affinity }}
  affinity: {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $settings.tolerations }}
  tolerations: {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if .spread }}
  topologySpreadConstraints:
    - maxSkew: 1
      topologyKey: kubernetes.io/hostname
      whenUnsatisfiable: ScheduleAnyway
      labelSelector:
        matchLabels: {{- include "plimsoll.selectorLabels" (list $ .role) | nindent 10 }}
  {{- end }}
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    runAsGroup: 1000
    {{- if .hostLogs }}
    # containerd writes the log files root-owned, mode 0640: read through group 0, not as root.
    supplementalGroups: [0]
    {{- end }}
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: plimsoll
      image: {{ include "plimsoll.image" $ }}
      imagePullPolicy: {{ $.Values.image.pullPolicy }}
      args: {{- toYaml .args | nindent 8 }}
      env:
        - name: PLIMSOLL_CONFIG
          value: /etc/plimsoll/config/plimsoll.yaml
        - name: NODE_OPTIONS
          value: --max-old-space-size={{ $settings.heapMiB }}
        {{- if include "plimsoll.elasticsearchCa" $ }}
        - name: NODE_EXTRA_CA_CERTS
          value: /etc/plimsoll/secrets/elasticsearch-ca/ca.crt
        {{- end }}
        {{- with .env }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with $settings.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      ports:
        - name: http
          containerPort: 8080
          protocol: TCP
        # /healthz and /readyz only (api.probePort): probes never queue behind the API's clients.
        - name: probes
          containerPort: 8081
          protocol: TCP
      startupProbe:
        httpGet:
          path: /healthz
          port: probes
        periodSeconds: 5
        failureThreshold: 24
      livenessProbe:
        httpGet:
          path: /healthz
          port: probes
        periodSeconds: 20
        timeoutSeconds: 5
        failureThreshold: 3
      # /readyz answers 503 while Kafka or Elasticsearch is unavailable.
      readinessProbe:
        httpGet:
          path: /readyz
          port: probes
        periodSeconds: 10
        timeoutSeconds: 5
      resources: {{- toYaml $settings.resources | nindent 8 }}
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        privileged: false
        capabilities:
          drop: [ALL]
      volumeMounts:
        {{- if .hostLogs }}
        - name: pod-logs
          mountPath: /var/log/pods
          readOnly: true
        {{- end }}
        - name: config
          mountPath: /etc/plimsoll/config
          readOnly: true
        - name: api-tokens
          mountPath: /etc/plimsoll/secrets/api
          readOnly: true
        {{- if include "plimsoll.elasticsearchAuth" $ }}
        - name: elasticsearch
          mountPath: /etc/plimsoll/secrets/elasticsearch
          readOnly: true
        {{- end }}
        {{- if include "plimsoll.kafkaSecretMounted" $ }}
        - name: kafka
          mountPath: /etc/plimsoll/secrets/kafka
          readOnly: true
        {{- end }}
        {{- if include "plimsoll.elasticsearchCa" $ }}
        - name: elasticsearch-ca
          mountPath: /etc/plimsoll/secrets/elasticsearch-ca
          readOnly: true
        {{- end }}
        {{- if .state }}
        - name: state
          mountPath: /var/lib/plimsoll
        {{- end }}
        - name: tmp
          mountPath: /tmp
  volumes:
    {{- if .hostLogs }}
    - name: pod-logs
      hostPath:
        path: /var/log/pods
        type: Directory
    {{- end }}
    - name: config
      configMap:
        name: {{ include "plimsoll.child" (list $ "config") }}
    - name: api-tokens
      secret:
        secretName: {{ include "plimsoll.apiTokensSecret" $ }}
    {{- if include "plimsoll.elasticsearchAuth" $ }}
    - name: elasticsearch
      secret:
        secretName: {{ required "elasticsearch.existingSecret: the Secret of the password" $.Values.elasticsearch.existingSecret }}
    {{- end }}
    {{- if include "plimsoll.kafkaSecretMounted" $ }}
    - name: kafka
      secret:
        secretName: {{ required "kafka.existingSecret: the Secret of the SASL password or CA" $.Values.kafka.existingSecret }}
    {{- end }}
    {{- if include "plimsoll.elasticsearchCa" $ }}
    - name: elasticsearch-ca
      secret:
        secretName: {{ $.Values.elasticsearch.caSecret }}
        optional: true
    {{- end }}
    {{- if .state }}
    # Checkpoints, so a container restart resumes instead of re-listing or re-reading.
    - name: state
      emptyDir:
        sizeLimit: 64Mi
    {{- end }}
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
{{- end }}

{{/* Rolling update that never drops below the desired replicas. */}}
{{- define "plimsoll.surge" -}}
type: RollingUpdate
rollingUpdate:
  maxSurge: 1
  maxUnavailable: 0
{{- end }}

{{/* The API tokens file, when the chart makes the Secret. */}}
{{- define "plimsoll.apiTokensData" -}}
{{- range $role := list "read" "admin" }}
{{- range index $.Values.apiTokens $role }}
{{- if lt (len (toString .)) 16 }}
{{- fail (printf "apiTokens.%s: a token has fewer than 16 characters" $role) }}
{{- end }}
{{ $role }}:{{ . }}
{{- end }}
{{- end }}
{{- end }}
