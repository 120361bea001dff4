/**
 * deploy/monitoring: the alert rules pass `promtool check rules` and their unit tests
 * (rules.test.yaml), the PrometheusRule kustomize renders carries exactly rules.yaml's
 * groups, the PodMonitor finds serve's pods, and the rules and the dashboard name only
 * series that exist: serve's, read from a running serve's /metrics, and the kube-state-metrics
 * series of the workloads the kustomize bases create, by their names. Each alert's runbook_url
 * is its own section of docs/reference/alerts.md, and docs/reference/metrics.md lists exactly
 * the series serve exports.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { randomToken, startApiServer } from './support/apiserver.js';
import { startServe } from './support/cli.js';
import { REPO_ROOT } from './support/dockerfile.js';
import { needing } from './support/tools.js';

const run = promisify(execFile);
const DIR = join(REPO_ROOT, 'deploy/monitoring');
const REPOSITORY = 'https://github.com/kube-oidc-gateway/kube-oidc-gateway';
/** The runbooks: a section per alert, each rule's runbook_url. */
const ALERTS_PAGE = 'docs/reference/alerts.md';
/** serve's metrics, a row each: `| \`name\` | type | …`. */
const METRICS_PAGE = 'docs/reference/metrics.md';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface Group {
  name: string;
  rules: Rule[];
}
interface RuleTest {
  name: string;
  alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }>;
}
interface Panel {
  type: string;
  id: number;
  title: string;
  datasource?: { uid: string };
  targets?: Array<{ expr: string; refId: string }>;
}

const readYaml = <T>(path: string): T => parse(readFileSync(path, 'utf8')) as T;
const groups = readYaml<{ groups: Group[] }>(join(DIR, 'rules.yaml')).groups;
const rules = groups.flatMap((group) => group.rules);
const ruleTests = readYaml<{ tests: RuleTest[] }>(join(DIR, 'rules.test.yaml')).tests;
const dashboard = JSON.parse(readFileSync(join(DIR, 'dashboard.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: { query: string } | string }> };
};
const dashboardExprs = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => target.expr),
);

/** The metric names (kube_oidc_gateway_…) an expression uses, histogram suffixes removed. */
function gatewayMetrics(expr: string): string[] {
  return [...expr.matchAll(/\bkube_oidc_gateway_[a-z0-9_]+/g)].map(([name]) =>
    name.replace(/_(bucket|sum|count)$/, ''),
  );
}

function manifestsOf(file: string): Array<{ kind: string; metadata: { name: string }; spec: never }> {
  return parseAllDocuments(readFileSync(join(REPO_ROOT, file), 'utf8')).map((doc) => doc.toJS());
}

/** GitHub's anchor for a heading: lower case, punctuation other than - dropped, spaces to -. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

describe('alert rules (deploy/monitoring/rules.yaml)', () => {
  it.each(rules.map((rule) => [rule.alert, rule]))(
    `%s has a severity, a summary, a description and a runbook section of its own in ${ALERTS_PAGE}`,
    (name, rule) => {
      expect(['warning', 'critical']).toContain(rule.labels.severity);
      expect(rule.annotations.summary?.length).toBeGreaterThan(20);
      expect(rule.annotations.description?.length).toBeGreaterThan(80);
      const runbook = rule.annotations.runbook_url ?? '';
      expect(runbook).toBe(`${REPOSITORY}/blob/main/${ALERTS_PAGE}#${anchorOf(name)}`);
      const headings = readFileSync(join(REPO_ROOT, ALERTS_PAGE), 'utf8')
        .split('\n')
        .filter((line) => /^#{1,6} /.test(line))
        .map((line) => anchorOf(line.replace(/^#+ /, '')));
      expect(headings, runbook).toContain(anchorOf(name));
    },
  );

  it.each(rules.map((rule) => [rule.alert]))(
    '%s has a promtool test that fires it and one that does not',
    (name) => {
      const cases = ruleTests.flatMap((test) => test.alert_rule_test).filter((c) => c.alertname === name);
      expect(cases.some((c) => c.exp_alerts.length > 0)).toBe(true);
      expect(cases.some((c) => c.exp_alerts.length === 0)).toBe(true);
    },
  );

  it('publish is stale after three runs of the CronJob schedule', () => {
    const cronJob = manifestsOf('deploy/cronjob/base/cronjob.yaml').find(
      (m) => m.kind === 'CronJob',
    ) as unknown as {
      spec: { schedule: string };
    };
    const minutes = Number(/^\*\/(\d+) \* \* \* \*$/.exec(cronJob.spec.schedule)?.[1]);
    expect(minutes, `schedule ${cronJob.spec.schedule}`).toBeGreaterThan(0);
    const stale = rules.find((rule) => rule.alert === 'KubeOidcGatewayPublishStale') as Rule;
    const thresholds = [...stale.expr.matchAll(/> (\d+)/g)].map(([, seconds]) => Number(seconds));
    expect(thresholds).toEqual([3 * minutes * 60, 3 * minutes * 60]);
  });

  it('the kube-state-metrics selectors name the workloads the kustomize bases create', () => {
    const deployment = manifestsOf('deploy/deployment/deployment.yaml').find((m) => m.kind === 'Deployment');
    const cronJob = manifestsOf('deploy/cronjob/base/cronjob.yaml').find((m) => m.kind === 'CronJob');
    const exprs = rules.map((rule) => rule.expr).join('\n');
    const named = (label: string) =>
      new Set([...exprs.matchAll(new RegExp(`\\b${label}="([^"]+)"`, 'g'))].map(([, value]) => value));
    expect(named('deployment')).toEqual(new Set([deployment?.metadata.name]));
    expect(named('cronjob')).toEqual(new Set([cronJob?.metadata.name]));
    expect(named('owner_name')).toEqual(new Set([cronJob?.metadata.name]));
  });
});

describe('the Grafana dashboard (deploy/monitoring/dashboard.json)', () => {
  it('has unique panel ids, and every query panel reads the chosen data source', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? [])
        expect(target.expr, panel.title).toMatch(/namespace="\$namespace"/);
    }
    expect(dashboard.templating.list.map((variable) => variable.name)).toEqual([
      'datasource',
      'namespace',
      'pod',
    ]);
  });
});

describe('the series the rules and the dashboard read exist in serve /metrics', () => {
  let exported: Set<string>;
  let exportedTypes: Map<string, string>;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const token = randomToken();
    const apiserver = await startApiServer({ tokens: [token] });
    const dir = mkdtempSync(join(tmpdir(), 'kog-monitoring-'));
    writeFileSync(join(dir, 'token'), token);
    const serve = await startServe([], {
      UPSTREAM_HOST: apiserver.url,
      SA_TOKEN_PATH: join(dir, 'token'),
      SA_CA_CERT_PATH: apiserver.pki.caCertPath,
    });
    close = async () => {
      await serve.stop('SIGKILL');
      await apiserver.close();
      rmSync(dir, { recursive: true, force: true });
    };
    const text = await (await fetch(`${serve.url}/metrics`)).text();
    exportedTypes = new Map(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name as string, type as string]),
    );
    exported = new Set(exportedTypes.keys());
  });
  afterAll(async () => {
    await close?.();
  });

  it('every kube_oidc_gateway_ series of the rules and the dashboard', () => {
    const used = new Set([...rules.map((rule) => rule.expr), ...dashboardExprs].flatMap(gatewayMetrics));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });

  it(`${METRICS_PAGE} has a row for every exported series, with its type, and for no other`, () => {
    const page = readFileSync(join(REPO_ROOT, METRICS_PAGE), 'utf8');
    const documented = new Map(
      [...page.matchAll(/^\| `(kube_oidc_gateway_[a-z0-9_]+)` \| (\w+) \|/gm)].map(([, name, type]) => [
        name as string,
        type as string,
      ]),
    );
    expect(documented).toEqual(exportedTypes);
  });

  it("the dashboard shows every one of serve's own metrics", () => {
    const shown = new Set(dashboardExprs.flatMap(gatewayMetrics));
    const own = [...exported].filter(
      (name) => name.startsWith('kube_oidc_gateway_') && !/^kube_oidc_gateway_(process|nodejs)_/.test(name),
    );
    expect(own.filter((name) => !shown.has(name))).toEqual([]);
  });
});

const promtool = needing('promtool', 'promtool on deploy/monitoring/rules.yaml');

describe.skipIf(promtool.missing)(promtool.name, () => {
  it('check rules: the file is valid', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', 'rules.yaml'], { cwd: DIR });
    expect(stdout).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('test rules: every case of rules.test.yaml passes', async () => {
    const { stdout } = await run('promtool', ['test', 'rules', 'rules.test.yaml'], { cwd: DIR });
    expect(stdout).toMatch(/SUCCESS/);
  });
});

const kubectl = needing('kubectl', 'kustomize deploy/monitoring');

describe.skipIf(kubectl.missing)(kubectl.name, () => {
  type Rendered = {
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    spec?: Record<string, unknown>;
    data?: Record<string, string>;
  };
  let rendered: Rendered[];
  let deployment: Rendered;

  beforeAll(() => {
    const render = (dir: string) =>
      parseAllDocuments(
        execFileSync('kubectl', ['kustomize', join(REPO_ROOT, dir)], { encoding: 'utf8' }),
      ).map((doc) => doc.toJS() as Rendered);
    rendered = render('deploy/monitoring');
    deployment = render('deploy/deployment').find((m) => m.kind === 'Deployment') as Rendered;
  });

  it('renders the PodMonitor, the PrometheusRule and the dashboard ConfigMap in the gateway namespace', () => {
    expect(rendered.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'PodMonitor', 'PrometheusRule']);
    for (const manifest of rendered) expect(manifest.metadata.namespace).toBe(deployment.metadata.namespace);
  });

  it("the PrometheusRule's groups are rules.yaml's groups", () => {
    const rule = rendered.find((m) => m.kind === 'PrometheusRule') as Rendered;
    expect(rule.spec?.groups).toEqual(groups);
  });

  it("the PodMonitor selects serve's pods and scrapes their http port at /metrics", () => {
    const monitor = rendered.find((m) => m.kind === 'PodMonitor') as Rendered;
    const spec = monitor.spec as {
      selector: { matchLabels: Record<string, string> };
      podMetricsEndpoints: Array<{ port: string; path: string }>;
    };
    const template = (
      deployment.spec as {
        template: {
          metadata: { labels: Record<string, string> };
          spec: { containers: Array<{ ports: Array<{ name: string }> }> };
        };
      }
    ).template;
    expect(template.metadata.labels).toMatchObject(spec.selector.matchLabels);
    const ports = template.spec.containers.flatMap((c) => c.ports.map((p) => p.name));
    for (const endpoint of spec.podMetricsEndpoints) {
      expect(ports).toContain(endpoint.port);
      expect(endpoint.path).toBe('/metrics');
    }
  });

  it('the dashboard ConfigMap holds dashboard.json for the Grafana sidecar', () => {
    const map = rendered.find((m) => m.kind === 'ConfigMap') as Rendered;
    expect(map.metadata.labels?.grafana_dashboard).toBe('1');
    expect(JSON.parse(map.data?.['kube-oidc-gateway.json'] ?? '')).toEqual(dashboard);
  });
});
