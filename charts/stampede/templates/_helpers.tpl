{{/* The chart name, or nameOverride. */}}
{{- define "stampede.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of namespaced objects: fullnameOverride, else the release name if it already contains the
chart name, else release-chart. With `helm install stampede` it is just "stampede".
*/}}
{{- define "stampede.fullname" -}}
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

{{/* Cluster-scoped objects carry the release namespace, so two releases never share one. */}}
{{- define "stampede.clusterName" -}}
{{- printf "%s-%s" .Release.Namespace (include "stampede.fullname" .) }}
{{- end }}

{{- define "stampede.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "stampede.selectorLabels" -}}
app.kubernetes.io/name: {{ include "stampede.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end }}

{{- define "stampede.labels" -}}
helm.sh/chart: {{ include "stampede.chart" . }}
{{ include "stampede.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: stampede
{{- end }}

{{- define "stampede.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "stampede.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository@digest, else repository:tag (tag defaulting to appVersion). Call with (list image defaults .). */}}
{{- define "stampede.imageRef" -}}
{{- $img := index . 0 }}{{- $fallback := index . 1 }}{{- $root := index . 2 }}
{{- $repository := $img.repository | default $fallback.repository }}
{{- $digest := $img.digest | default (ternary $fallback.digest "" (and (empty $img.repository) (empty $img.tag))) }}
{{- $tag := $img.tag | default (ternary $fallback.tag "" (empty $img.repository)) | default $root.Chart.AppVersion }}
{{- if $digest }}{{ printf "%s@%s" $repository $digest }}{{ else }}{{ printf "%s:%s" $repository $tag }}{{ end }}
{{- end }}

{{- define "stampede.image" -}}
{{- include "stampede.imageRef" (list .Values.image .Values.image .) }}
{{- end }}

{{/* The runner image: runner.image, falling back field by field to the controller's image. */}}
{{- define "stampede.runnerImage" -}}
{{- include "stampede.imageRef" (list .Values.runner.image .Values.image .) }}
{{- end }}

{{/* "true" when the controller runs with --leader-elect: more than one replica, or forced on. */}}
{{- define "stampede.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicas) 1) }}true{{ end }}
{{- end }}

{{/*
The controller's permissions: exactly the API calls in src/controller and src/kube, nothing more.
  loadtests          get (observe), list+watch (the LoadTest informer), delete (ttlAfterFinished)
  loadtests/status   patch (status is written only through the status subresource)
  loadtests/finalizers update: no call, but children carry ownerReferences with blockOwnerDeletion,
                     which clusters running the OwnerReferencesPermissionEnforcement admission plugin
                     (OpenShift, hardened clusters) allow only to who may update the owner's finalizers
  configmaps         get (spec and report exist?; spec.baseline's report; configMap feeders' data; shard
                     checkpoints after a restart), create (spec for the runners, the report, checkpoints),
                     update (each shard's checkpoint, replaced as the run goes on)
  jobs               get (observe), list+watch (runner Job informer), create (the Indexed runner Job)
  pods               list (observe, by label), watch (runner pod informer): never create or delete
  events             create (Events on the LoadTest)
  secrets            create only (each LoadTest's runner control token, derived from the controller's key,
                     so the controller never needs to read a Secret back)
Leases are granted separately, in the release namespace only, when leader election is on.
*/}}
{{- define "stampede.controllerRules" -}}
- apiGroups: [stampede.dev]
  resources: [loadtests]
  verbs: [get, list, watch, delete]
- apiGroups: [stampede.dev]
  resources: [loadtests/status]
  verbs: [patch]
- apiGroups: [stampede.dev]
  resources: [loadtests/finalizers]
  verbs: [update]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, create, update]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create]
- apiGroups: [""]
  resources: [pods]
  verbs: [list, watch]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
- apiGroups: [""]
  resources: [secrets]
  verbs: [create]
{{- end }}
