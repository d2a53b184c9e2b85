// Rolls the serving pods, as `kubectl rollout restart deployment/<name>` does, through the
// API server with the pod's service account (Role `hybrid-search-rollout`, rbac.yaml).
//
// The retrain CronJob calls it after promoting a new ranking model. The model is written to
// the shared models volume (ReadWriteMany), and a serving pod notices a promotion through
// a file watch (inotify) on MODELS_DIR/ranker: on a network filesystem (NFS, CephFS, EFS,
// Azure Files, ...) a change made from another node fires no event there, so the pods
// would keep the old model until they restart. A rolling restart (maxUnavailable: 0, the
// PodDisruptionBudget) loads it everywhere without downtime.
//
// Environment: DEPLOYMENT (hybrid-search); KUBERNETES_SERVICE_HOST/PORT are set by Kubernetes.
import fs from 'node:fs';
import https from 'node:https';

const account = '/var/run/secrets/kubernetes.io/serviceaccount';
const name = process.env.DEPLOYMENT ?? 'hybrid-search';
const namespace = fs.readFileSync(`${account}/namespace`, 'utf8').trim();
const body = JSON.stringify({
  spec: {
    template: {
      metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } },
    },
  },
});

const request = https.request(
  {
    host: process.env.KUBERNETES_SERVICE_HOST,
    port: process.env.KUBERNETES_SERVICE_PORT ?? 443,
    method: 'PATCH',
    path: `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
    ca: fs.readFileSync(`${account}/ca.crt`),
    headers: {
      authorization: `Bearer ${fs.readFileSync(`${account}/token`, 'utf8').trim()}`,
      'content-type': 'application/strategic-merge-patch+json',
      'content-length': Buffer.byteLength(body),
    },
    timeout: 30_000,
  },
  (response) => {
    let text = '';
    response.on('data', (chunk) => {
      text += chunk;
    });
    response.on('end', () => {
      if (response.statusCode === 200) {
        console.log(`deployment ${namespace}/${name}: rolling restart requested`);
      } else {
        console.error(`deployment ${namespace}/${name}: restart refused (${response.statusCode}): ${text}`);
        process.exitCode = 1;
      }
    });
  },
);
request.on('timeout', () => request.destroy(new Error('the API server did not answer in 30 s')));
request.on('error', (error) => {
  console.error(`deployment ${namespace}/${name}: restart failed: ${error.message}`);
  process.exitCode = 1;
});
request.end(body);
