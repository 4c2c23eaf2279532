{{/*
Names, labels and the facts about the services the templates share. What each service reads
(its secrets, the identity rules, its HTTP routes) follows the code: apps/<service>/src/config and
the controllers; the topics follow libs/contracts (TOPICS, TOPIC_CONFIGS, deadLetterTopicFor) and
the `consumes` lists of apps/<service>/src/app.module.ts. deploy/test checks both.
*/}}

{{- define "tessera.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tessera.fullname" -}}
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

{{- define "tessera.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The four services, in pipeline order. */}}
{{- define "tessera.serviceNames" -}}
ingestion identity enrichment activation
{{- end }}

{{/* Name of a service's resources: (dict "root" $ "service" "ingestion"). */}}
{{- define "tessera.componentName" -}}
{{- printf "%s-%s" (include "tessera.fullname" .root | trunc 52 | trimSuffix "-") .service }}
{{- end }}

{{/* Common labels; pass (dict "root" $ "service" "<name>") for a service's resources, (dict "root" $) otherwise. */}}
{{- define "tessera.labels" -}}
helm.sh/chart: {{ include "tessera.chart" .root }}
{{ include "tessera.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Values.image.tag | default .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: tessera
{{- end }}

{{- define "tessera.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tessera.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .service }}
app.kubernetes.io/component: {{ .service }}
{{- end }}
{{- end }}

{{/* The image of a service: (dict "root" $ "service" "<name>"); a service's own tag drops the digest. */}}
{{- define "tessera.image" -}}
{{- $image := .root.Values.image }}
{{- $own := (index .root.Values .service).imageTag }}
{{- if $own }}
{{- printf "%s:%s" $image.repository $own }}
{{- else if $image.digest }}
{{- printf "%s:%s@%s" $image.repository ($image.tag | default .root.Chart.AppVersion) $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository ($image.tag | default .root.Chart.AppVersion) }}
{{- end }}
{{- end }}

{{- define "tessera.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tessera.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* A value for a ConfigMap: integers stay integers (Helm reads every number as a float). */}}
{{- define "tessera.configValue" -}}
{{- if kindIs "float64" . }}{{ . | int64 | toString }}{{ else }}{{ . | toString }}{{ end }}
{{- end }}

{{/*
What each service reads beyond the shared platform settings: its secrets (keys of secrets.keys),
the identity rules (IDENTITY_*), and the HTTP paths of its APIs for the Ingress
(pathType Prefix unless marked exact).
*/}}
{{- define "tessera.serviceFacts" -}}
ingestion:
  secrets: [adminToken, writeKeyPepper, privacyHashKey]
  identityRules: [IDENTITY_DEFAULT_REGION, IDENTITY_BLOCKED_PATTERNS, IDENTITY_EXTERNAL_ID_TRAITS, IDENTITY_LIMITS, IDENTITY_DEFAULT_LIMIT, IDENTITY_LIMIT_WINDOW_SECONDS, IDENTITY_PRIORITY]
  paths:
    - {path: /v1, pathType: Prefix}
    - {path: /admin, pathType: Prefix}
    - {path: /openapi.json, pathType: Exact}
identity:
  secrets: [adminToken, privacyHashKey]
  identityRules: [IDENTITY_DEFAULT_REGION, IDENTITY_BLOCKED_PATTERNS, IDENTITY_EXTERNAL_ID_TRAITS, IDENTITY_LIMITS, IDENTITY_DEFAULT_LIMIT, IDENTITY_LIMIT_WINDOW_SECONDS, IDENTITY_PRIORITY]
  paths:
    - {path: /v1/identity, pathType: Prefix}
enrichment:
  secrets: [adminToken]
  identityRules: [IDENTITY_DEFAULT_REGION]
  paths:
    - {path: /v1/profiles, pathType: Prefix}
    - {path: /v1/audiences, pathType: Prefix}
    - {path: /v1/computed-traits, pathType: Prefix}
activation:
  secrets: [adminToken]
  identityRules: []
  paths:
    - {path: /v1/subscriptions, pathType: Prefix}
{{- end }}

{{- define "tessera.facts" -}}
{{- index (include "tessera.serviceFacts" . | fromYaml) .service | toYaml }}
{{- end }}

{{/* Secret names and keys. */}}
{{- define "tessera.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "tessera.fullname" .)) }}
{{- end }}

{{- define "tessera.mongodbSecretName" -}}
{{- printf "%s-mongodb" (include "tessera.fullname" .) }}
{{- end }}

{{/*
Where a service's MONGODB_URI comes from, as YAML {name, key, chart}: its own existing Secret, its
own URI (in the chart's Secret), the shared existing Secret, or the shared URI (chart's Secret).
*/}}
{{- define "tessera.mongodbRef" -}}
{{- $values := .root.Values }}
{{- $own := (index $values .service).mongodb }}
{{- if $own.existingSecret }}
name: {{ $own.existingSecret }}
key: {{ $own.existingSecretKey }}
chart: false
{{- else if $own.uri }}
name: {{ include "tessera.mongodbSecretName" .root }}
key: {{ printf "%s-uri" .service }}
chart: true
{{- else if $values.mongodb.existingSecret }}
name: {{ $values.mongodb.existingSecret }}
key: {{ $values.mongodb.existingSecretKey }}
chart: false
{{- else if $values.mongodb.uri }}
name: {{ include "tessera.mongodbSecretName" .root }}
key: uri
chart: true
{{- else }}
{{- fail (printf "%s needs a MongoDB URI: set mongodb.uri or mongodb.existingSecret (or %s.mongodb.uri / %s.mongodb.existingSecret)" .service .service .service) }}
{{- end }}
{{- end }}

{{/*
The topics, as YAML {topics: [{name, contract, partitions, replicas, config}]}: every contract
topic, a dead-letter topic for each topic a service consumes, and topics.extra.
*/}}
{{- define "tessera.contractTopics" -}}
- {name: tessera.events.raw.v1, consumed: true}
- {name: tessera.events.accepted.v1, consumed: true}
- {name: tessera.events.rejected.v1, consumed: false}
- {name: tessera.events.resolved.v1, consumed: true}
- {name: tessera.identity.merged.v1, consumed: true}
- {name: tessera.profiles.snapshot.v1, consumed: true, compacted: true}
- {name: tessera.audiences.membership.v1, consumed: true}
- {name: tessera.privacy.requested.v1, consumed: true}
- {name: tessera.privacy.resolved.v1, consumed: true}
- {name: tessera.privacy.status.v1, consumed: true}
{{- end }}

{{- define "tessera.topics" -}}
{{- $t := .Values.topics }}
{{- $suffix := .Values.kafka.topicSuffix }}
{{- $contract := include "tessera.contractTopics" . | fromYamlArray }}
{{- $names := list }}
{{- range $contract }}
{{- $names = append $names (dict "name" .name "compacted" (default false .compacted)) }}
{{- end }}
{{- range $contract }}
{{- if .consumed }}
{{- $names = append $names (dict "name" (regexReplaceAll "\\.v([0-9]+)$" .name ".dead-letter.v${1}") "compacted" false) }}
{{- end }}
{{- end }}
{{- $out := list }}
{{- range $names }}
{{- $override := index $t.overrides .name | default dict }}
{{- $policy := dict "cleanup.policy" "delete" "retention.ms" $t.retentionMs }}
{{- if .compacted }}
{{- $policy = merge (dict "cleanup.policy" "compact") $t.compactedConfig }}
{{- end }}
{{- $config := mustMergeOverwrite (dict) $t.config $policy ($override.config | default dict) }}
{{- $name := ternary (printf "%s.%s" .name $suffix) .name (ne $suffix "") }}
{{- $out = append $out (dict "name" $name "contract" .name "partitions" (int ($override.partitions | default $t.partitions)) "replicas" (int ($override.replicas | default $t.replicas)) "config" $config) }}
{{- end }}
{{- range $t.extra }}
{{- $out = append $out (dict "name" .name "contract" "" "partitions" (int (.partitions | default $t.partitions)) "replicas" (int (.replicas | default $t.replicas)) "config" (mustMergeOverwrite (dict) $t.config (.config | default dict))) }}
{{- end }}
{{- toYaml (dict "topics" $out) }}
{{- end }}

{{/* Refuses values a service would refuse at start-up, before anything is installed. */}}
{{- define "tessera.validate" -}}
{{- $values := .Values }}
{{- $needed := dict }}
{{- $enabled := 0 }}
{{- range $service := splitList " " (include "tessera.serviceNames" .) }}
{{- if (index $values $service).enabled }}
{{- $enabled = add1 $enabled }}
{{- range (include "tessera.facts" (dict "service" $service) | fromYaml).secrets }}
{{- $_ := set $needed . true }}
{{- end }}
{{- $_ := include "tessera.mongodbRef" (dict "root" $ "service" $service) }}
{{- end }}
{{- end }}
{{- if eq $enabled 0 }}
{{- fail "every service is disabled: enable at least one of ingestion, identity, enrichment, activation" }}
{{- end }}
{{- if not $values.secrets.existingSecret }}
{{- range $key := keys $needed | sortAlpha }}
{{- $value := index $values.secrets $key | default "" }}
{{- if lt (len $value) 16 }}
{{- fail (printf "secrets.%s (%s) must be set to at least 16 characters, or name an existing Secret in secrets.existingSecret" $key (index $values.secrets.keys $key)) }}
{{- end }}
{{- end }}
{{- end }}
{{- if not $values.kafka.brokers }}
{{- fail "kafka.brokers (KAFKA_BROKERS) must name the Kafka bootstrap servers" }}
{{- end }}
{{- end }}

{{/* The ConfigMap data of a service: (dict "root" $ "service" "<name>"). */}}
{{- define "tessera.configData" -}}
{{- $values := .root.Values }}
{{- $svc := index $values .service }}
{{- $facts := include "tessera.facts" (dict "service" .service) | fromYaml }}
{{- $data := dict }}
{{- range $key, $value := $values.config }}
{{- $_ := set $data $key $value }}
{{- end }}
{{- range $facts.identityRules }}
{{- $_ := set $data . (index $values.identityRules .) }}
{{- end }}
{{- range $key, $value := $svc.config }}
{{- $_ := set $data $key $value }}
{{- end }}
{{- $_ := set $data "PORT" $svc.port }}
{{- $_ := set $data "MONGODB_DATABASE" $svc.database }}
{{- $_ := set $data "KAFKA_BROKERS" $values.kafka.brokers }}
{{- $_ := set $data "TESSERA_TOPIC_SUFFIX" $values.kafka.topicSuffix }}
{{- $_ := set $data "KAFKA_CREATE_TOPICS" (ternary "false" "true" $values.topics.create) }}
{{- $_ := set $data "KAFKA_TOPIC_PARTITIONS" $values.topics.partitions }}
{{- $_ := set $data "OTEL_EXPORTER_OTLP_ENDPOINT" $values.telemetry.otlpEndpoint }}
{{- $_ := set $data "OTEL_TRACES_EXPORTER" $values.telemetry.tracesExporter }}
{{- range $key := keys $data | sortAlpha }}
{{- $value := index $data $key }}
{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}
{{ $key }}: {{ include "tessera.configValue" $value | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* The environment variable a secret value is read from, by its key in `secrets`. */}}
{{- define "tessera.envName" -}}
{{- index (dict "adminToken" "ADMIN_TOKEN" "writeKeyPepper" "WRITE_KEY_PEPPER" "privacyHashKey" "PRIVACY_HASH_KEY") . }}
{{- end }}
