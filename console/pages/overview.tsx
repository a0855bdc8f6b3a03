import Alert from 'antd/es/alert';
import Card from 'antd/es/card';
import Col from 'antd/es/col';
import Row from 'antd/es/row';
import Statistic from 'antd/es/statistic';
import Table from 'antd/es/table';
import Tag from 'antd/es/tag';
import { useEffect, useMemo, useState } from 'react';
import { chinaDay, chinaTime } from '../format.js';
import { useOperation } from '../hooks.js';
import { useWords } from '../i18n.js';
import { KIND_LABELS, label } from '../labels.js';
import { AUDIT_HEAD, RECORD_STATISTICS, type Me } from '../operations.js';
import { AGENCY_STATES_KEY, loadAgencyStates, type AgencyState } from '../overview-data.js';
import { startedOr } from '../prefetch.js';
import { Bars } from '../parts/bar-chart.js';

/** The agencies' states, taken from the early start after sign-in when there was one. */
function useAgencyStates(me: Me): { states: AgencyState[] | undefined; error: string | undefined } {
  const [result, setResult] = useState<{ states?: AgencyState[]; error?: string }>({});
  useEffect(() => {
    startedOr(AGENCY_STATES_KEY, () => loadAgencyStates(me)).then(
      (states) => {
        setResult({ states });
      },
      (error: unknown) => {
        setResult({ error: error instanceof Error ? error.message : String(error) });
      },
    );
  }, [me]);
  return { states: result.states, error: result.error };
}

export function OverviewPage({ me }: { me: Me }) {
  const w = useWords();
  const { states, error } = useAgencyStates(me);
  const audit = useOperation(AUDIT_HEAD, {}, me.type !== 'ADMIN');
  const statistics = useOperation(RECORD_STATISTICS, {});
  const perDay = useMemo(() => {
    const days = new Map<string, number>();
    for (const batch of states?.flatMap((s) => s.batches) ?? [])
      days.set(chinaDay(batch.startedAt), (days.get(chinaDay(batch.startedAt)) ?? 0) + batch.inserted + batch.updated);
    return [...days.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .slice(-30)
      .map(([day, value]) => ({ label: day, value }));
  }, [states]);
  const byKind = useMemo(() => {
    const kinds = new Map<string, number>();
    for (const row of statistics.data?.recordCounts ?? []) kinds.set(row.kind, (kinds.get(row.kind) ?? 0) + row.count);
    return [...kinds.entries()].map(([kind, value]) => ({ label: label(KIND_LABELS, kind), value }));
  }, [statistics.data]);
  const connectors = states?.flatMap((s) => s.connectors.map((c) => ({ ...c, agency: s.agency }))) ?? [];
  const backlog = states?.reduce((sum, s) => sum + s.quarantine, 0);
  return (
    <div data-testid="page-overview">
      {error && <Alert type="error" message={error} />}
      <Row gutter={[16, 16]}>
        <Col span={8}>
          <Card>
            <Statistic title={w.quarantineBacklog} value={backlog ?? '…'} />
          </Card>
        </Col>
        <Col span={8}>
          <Card>
            <Statistic
              title={`${w.auditHead} (${w.entries})`}
              value={audit.data ? (audit.data.auditLog.edges[0]?.node.seq ?? -1) + 1 : audit.error ? '—' : '…'}
            />
          </Card>
        </Col>
        <Col span={8}>
          <Card>
            <Statistic title={w.lastCheckpoint} value={audit.data ? audit.data.auditCheckpoint.treeSize : '—'} suffix={w.entries} />
          </Card>
        </Col>
        <Col span={12}>
          <Card title={w.recordsByKind}>
            {statistics.error ? <Alert type="info" message={statistics.error} /> : <Bars testId="chart-kinds" data={byKind} />}
          </Card>
        </Col>
        <Col span={12}>
          <Card title={w.ingestedPerDay}>
            <Bars testId="chart-per-day" data={perDay} />
          </Card>
        </Col>
        <Col span={12}>
          <Card title={w.recordsByKind + ' × ' + w.region}>
            <Table
              size="small"
              pagination={false}
              rowKey={(r) => `${r.kind}-${r.region.code}`}
              dataSource={statistics.data?.recordCounts ?? []}
              columns={[
                { title: w.kind, render: (_, r) => label(KIND_LABELS, r.kind) },
                { title: w.region, render: (_, r) => r.region.name },
                { title: w.entries, dataIndex: 'count' },
              ]}
            />
          </Card>
        </Col>
        <Col span={12}>
          <Card title={w.connectors}>
            <Table
              size="small"
              pagination={false}
              rowKey={(c) => `${c.agency.code}/${c.name}`}
              dataSource={connectors}
              columns={[
                { title: w.agency, render: (_, c) => c.agency.name },
                { title: w.name, dataIndex: 'name' },
                {
                  title: w.health,
                  render: (_, c) =>
                    c.healthy ? (
                      <Tag color="green">{w.healthy}</Tag>
                    ) : (
                      <Tag color="red">
                        {w.unhealthy} ({c.consecutiveFailures})
                      </Tag>
                    ),
                },
                { title: w.finished, render: (_, c) => chinaTime(c.lastRun?.finishedAt) },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </div>
  );
}
