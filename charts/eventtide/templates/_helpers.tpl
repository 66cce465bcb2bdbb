{{/*
Names and labels. One name per component everywhere: the `components` key is the
Deployment's suffix, the image name and the app.kubernetes.io/component label.
*/}}

{{- define "eventtide.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "eventtide.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* <fullname>-<component>; takes (dict "root" $ "name" $name). */}}
{{- define "eventtide.componentName" -}}
{{- printf "%s-%s" (include "eventtide.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "eventtide.selectorLabels" -}}
app.kubernetes.io/name: {{ include "eventtide.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Labels for everything; takes (dict "root" $ "name" $component). */}}
{{- define "eventtide.labels" -}}
{{ include "eventtide.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: eventtide
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* registry/name:tag, the component's own repository and tag winning; image.name
names another component's image (ml-detect and ml-behave run in the ml image). */}}
{{- define "eventtide.image" -}}
{{- $d := .root.Values.default.image -}}
{{- $i := .component.image | default dict -}}
{{- $repo := $i.repository | default (printf "%s/%s" $d.registry ($i.name | default .name)) -}}
{{- $tag := $i.tag | default $d.tag | default .root.Chart.AppVersion -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}

{{/* The bootstrap servers every component and the default Pipeline use. */}}
{{- define "eventtide.kafkaBootstrap" -}}
{{- if .Values.kafka.bootstrapServers -}}
{{- .Values.kafka.bootstrapServers -}}
{{- else if .Values.kafka.strimzi.enabled -}}
{{- printf "%s-kafka-bootstrap.%s.svc:9092" .Values.kafka.strimzi.clusterName .Release.Namespace -}}
{{- end -}}
{{- end -}}

{{/*
Refuse values that weaken the hardening, so a typo in an override cannot ship a root
container with a writable filesystem.
*/}}
{{- define "eventtide.checkHardening" -}}
{{- $sc := .securityContext -}}
{{- if not $sc.runAsNonRoot -}}{{- fail (printf "components.%s: securityContext.runAsNonRoot must be true" .name) -}}{{- end -}}
{{- if not $sc.readOnlyRootFilesystem -}}{{- fail (printf "components.%s: securityContext.readOnlyRootFilesystem must be true" .name) -}}{{- end -}}
{{- if $sc.allowPrivilegeEscalation -}}{{- fail (printf "components.%s: securityContext.allowPrivilegeEscalation must be false" .name) -}}{{- end -}}
{{- if not (has "ALL" $sc.capabilities.drop) -}}{{- fail (printf "components.%s: securityContext.capabilities.drop must include ALL" .name) -}}{{- end -}}
{{- if $sc.capabilities.add -}}{{- fail (printf "components.%s: securityContext.capabilities.add must be empty" .name) -}}{{- end -}}
{{- end -}}

{{/*
Kafka security as environment, mirroring the operator's workload.kafka_security_env: plain
values for what is not secret, secretKeyRef for the SASL login, nothing for AWS_MSK_IAM
(the Pod's AWS credentials sign tokens). Takes .Values.kafka; renders list items.
*/}}
{{- define "eventtide.kafkaSecurityEnv" -}}
{{- $protocol := .securityProtocol | default "PLAINTEXT" -}}
{{- if ne $protocol "PLAINTEXT" }}
- name: EVENTTIDE_KAFKA_SECURITY_PROTOCOL
  value: {{ $protocol | quote }}
{{- $tls := .tls | default dict }}
{{- if $tls.caSecretName }}
- name: EVENTTIDE_KAFKA_SSL_CA_LOCATION
  value: {{ printf "/etc/eventtide/kafka-ca/%s" ($tls.caSecretKey | default "ca.crt") | quote }}
{{- end }}
{{- $sasl := .sasl | default dict }}
{{- if and (hasPrefix "SASL_" $protocol) $sasl.mechanism }}
- name: EVENTTIDE_KAFKA_SASL_MECHANISM
  value: {{ $sasl.mechanism | quote }}
{{- if eq $sasl.mechanism "AWS_MSK_IAM" }}
- name: EVENTTIDE_KAFKA_AWS_REGION
  value: {{ required "kafka.sasl.awsRegion is required with AWS_MSK_IAM" $sasl.awsRegion | quote }}
{{- else }}
{{- $secret := required "kafka.sasl.credentialsSecretName is required with PLAIN and SCRAM" $sasl.credentialsSecretName }}
- name: EVENTTIDE_KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ $secret | quote }}
      key: {{ $sasl.usernameKey | default "username" | quote }}
- name: EVENTTIDE_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secret | quote }}
      key: {{ $sasl.passwordKey | default "password" | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Whether the Kafka CA Secret is mounted: a CA Secret and a TLS protocol. */}}
{{- define "eventtide.kafkaCa" -}}
{{- if and (.tls | default dict).caSecretName (ne (.securityProtocol | default "PLAINTEXT") "PLAINTEXT") -}}
{{- .tls.caSecretName -}}
{{- end -}}
{{- end -}}
