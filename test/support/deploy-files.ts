/**
 * Reading the deployment files the way the tools do, for the tests of deploy/: overlays rendered
 * by `kubectl kustomize`, objects validated against the Kubernetes schemas of kubernetes-models
 * 4.4 (Kubernetes 1.27.1, the newest 4.x schema not past 1.28), Istio's CRD schemas and Argo CD's,
 * and the tools located on PATH.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as argo from '@kubernetes-models/argo-cd';
import * as istio from '@kubernetes-models/istio';
import * as kubernetes from 'kubernetes-models';
import { parseAllDocuments } from 'yaml';

/** The repository's root (tests run from dist/test/...). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DEPLOY = join(REPO_ROOT, 'deploy');

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are open-ended JSON.
type Open = any;
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: Open };
  [k: string]: Open;
};

/** Whether a command answers on PATH; `required` tools fail under CI instead of skipping. */
export function toolSkip(command: string, args: readonly string[], required: boolean): string | false {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status === 0) return false;
  const reason = `${command} is not installed here`;
  if (required && process.env.CI) throw new Error(`CI is set and ${reason}`);
  process.stderr.write(`notice: skipping tests that need ${command}: ${reason}\n`);
  return reason;
}

/** Renders an overlay (a folder under deploy/kubernetes) with `kubectl kustomize`. */
export function renderOverlay(path: string): KubeObject[] {
  const text = execFileSync('kubectl', ['kustomize', join(DEPLOY, 'kubernetes', path)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return parseYamlDocuments(text);
}

export function parseYamlDocuments(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

export function readYamlFile(path: string): KubeObject[] {
  return parseYamlDocuments(readFileSync(join(REPO_ROOT, path), 'utf8'));
}

/** API versions a Kubernetes 1.28 cluster serves, for the kinds the files use. */
export const SERVED_BY_1_28 = new Set([
  'v1',
  'apps/v1',
  'autoscaling/v2',
  'policy/v1',
  'batch/v1',
  'networking.k8s.io/v1',
  'rbac.authorization.k8s.io/v1',
  'networking.istio.io/v1beta1',
  'security.istio.io/v1beta1',
  'argoproj.io/v1alpha1',
]);

type ModelTree = Record<string, Record<string, Record<string, new (data: unknown) => { validate(): void }>>>;
const MODEL_TREES: readonly ModelTree[] = [
  kubernetes as unknown as ModelTree,
  istio as unknown as ModelTree,
  argo as unknown as ModelTree,
];

/** `networking.k8s.io` → `networkingK8sIo`, the packages' export names. */
function groupKey(group: string): string {
  return group
    .split(/[.-]/)
    .map((part, i) => (i === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1)))
    .join('');
}

/**
 * Validates one object against its schema; returns the problems (empty when valid). An object
 * whose kind no package models is a problem too: nothing goes unchecked.
 */
export function validateObject(object: KubeObject): string[] {
  const slash = object.apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : object.apiVersion.slice(0, slash);
  const version = object.apiVersion.slice(slash + 1);
  for (const tree of MODEL_TREES) {
    const versions =
      group === '' ? (tree as unknown as Record<string, ModelTree[string]>) : tree[groupKey(group)];
    const Model = (versions as Record<string, Record<string, unknown>> | undefined)?.[version]?.[
      object.kind
    ] as (new (data: unknown) => { validate(): void }) | undefined;
    if (Model === undefined) continue;
    try {
      new Model(object).validate();
      return [];
    } catch (error) {
      return [`${object.kind}/${object.metadata.name}: ${(error as Error).message}`];
    }
  }
  return [`${object.kind}/${object.metadata.name}: no schema for ${object.apiVersion} ${object.kind}`];
}

/** The one object of `kind` named `name`; throws naming what is missing. */
export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} named ${name}`);
  return found;
}
