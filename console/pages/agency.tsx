import Alert from 'antd/es/alert';
import Button from 'antd/es/button';
import Card from 'antd/es/card';
import Input from 'antd/es/input';
import Modal from 'antd/es/modal';
import Select from 'antd/es/select';
import Space from 'antd/es/space';
import Table from 'antd/es/table';
import Tag from 'antd/es/tag';
import message from 'antd/es/message';
import { useEffect, useState } from 'react';
import { request } from '../api.js';
import { chinaTime } from '../format.js';
import { useOperation } from '../hooks.js';
import { useWords } from '../i18n.js';
import { FAILURE_LABELS, KIND_LABELS, RULE_LABELS, STATUS_LABELS, label } from '../labels.js';
import { AGENCIES, AGENCY_STATE, RELEASE_QUARANTINED, REPLAY_QUARANTINE, RUN_CONNECTOR, type Me, type QuarantineEntry } from '../operations.js';

/** An agency's connectors, runs, batches and quarantine; operators run, replay and release here. */
export function AgencyPage({ me, canChange }: { me: Me; canChange: boolean }) {
  const w = useWords();
  const isAdmin = me.type === 'ADMIN';
  const agencies = useOperation(AGENCIES, {});
  const [agencyCode, setAgencyCode] = useState(me.agencyCode ?? '');
  useEffect(() => {
    if (!agencyCode && agencies.data?.agencies[0]) setAgencyCode(agencies.data.agencies[0].code);
  }, [agencies.data, agencyCode]);
  const state = useOperation(AGENCY_STATE, { agencyCode, batches: 20, runs: 20, quarantine: 50 }, !agencyCode);
  const [releasing, setReleasing] = useState<QuarantineEntry | undefined>();
  const [justification, setJustification] = useState('');
  const [notice, notices] = message.useMessage();
  /** Runs an action from a button: its message as a success notice (and the page reloaded), or its error as an error notice. */
  const act = (work: () => Promise<string>): void => {
    work()
      .then((message) => {
        notice.success(message);
        state.reload();
      })
      .catch((error: unknown) => {
        notice.error(error instanceof Error ? error.message : String(error));
      });
  };
  const release = () => {
    act(async () => {
      if (!releasing) return '';
      const done = await request(RELEASE_QUARANTINED, { id: releasing.id, justification });
      setReleasing(undefined);
      setJustification('');
      return `${w.releaseDone}: #${done.releaseQuarantinedRecord.id}`;
    });
  };
  const data = state.data;
  return (
    <div data-testid="page-agency">
      {notices}
      <Space style={{ marginBottom: 16 }}>
        {w.pickAgency}
        <Select
          data-testid="agency-select"
          style={{ width: 320 }}
          value={agencyCode}
          disabled={!isAdmin}
          onChange={setAgencyCode}
          options={(agencies.data?.agencies ?? []).map((a) => ({ value: a.code, label: `${a.name} (${a.code})` }))}
        />
        {isAdmin && canChange && (
          <Button
            onClick={() => {
              act(async () => {
                const r = await request(REPLAY_QUARANTINE, { agencyCode });
                return `${w.replay}: ${r.replayQuarantine.replayed}/${r.replayQuarantine.examined}`;
              });
            }}
          >
            {w.replay}
          </Button>
        )}
      </Space>
      {state.error && <Alert type="error" message={state.error} />}
      <Card title={w.connectors} style={{ marginBottom: 16 }}>
        <Table
          size="small"
          pagination={false}
          rowKey="name"
          dataSource={data?.connectors ?? []}
          columns={[
            { title: w.name, dataIndex: 'name' },
            { title: 'type', dataIndex: 'type' },
            { title: 'cron', render: (_, c) => c.schedule ?? '—' },
            { title: w.health, render: (_, c) => (c.healthy ? <Tag color="green">{w.healthy}</Tag> : <Tag color="red">{w.unhealthy}</Tag>) },
            ...(isAdmin && canChange
              ? [
                  {
                    title: '',
                    key: 'run',
                    render: (_: unknown, c: { name: string }) => (
                      <Button
                        size="small"
                        onClick={() => {
                          act(async () => {
                            const r = await request(RUN_CONNECTOR, { agencyCode, connector: c.name });
                            return `${c.name}: ${label(STATUS_LABELS, r.runConnectorNow.status)}`;
                          });
                        }}
                      >
                        {w.runNow}
                      </Button>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Card>
      <Card title={`${w.quarantine} (${data?.quarantine.totalCount ?? 0})`} style={{ marginBottom: 16 }}>
        <Table
          data-testid="quarantine-table"
          size="small"
          pagination={false}
          rowKey="id"
          dataSource={data?.quarantine.edges.map((e) => e.node) ?? []}
          columns={[
            { title: '#', dataIndex: 'id' },
            { title: w.kind, render: (_, q) => label(KIND_LABELS, q.kind) },
            { title: 'ID', render: (_, q) => q.sourceRecordId ?? '—' },
            {
              title: w.reasons,
              render: (_, q) =>
                q.reasons.map((r, i) => (
                  <div key={i}>
                    <Tag color="orange">{label(RULE_LABELS, r.rule)}</Tag>
                    {r.field}
                    {r.value ? `「${r.value}」` : ''}：{r.message}
                  </div>
                )),
            },
            { title: w.time, render: (_, q) => chinaTime(q.receivedAt) },
            ...(isAdmin && canChange
              ? [
                  {
                    title: '',
                    key: 'release',
                    render: (_: unknown, q: QuarantineEntry) =>
                      q.reasons.every((r) => r.rule === 'USCC_CHECKSUM') ? (
                        <Button
                          size="small"
                          data-testid={`release-${q.id}`}
                          onClick={() => {
                            setReleasing(q);
                          }}
                        >
                          {w.release}
                        </Button>
                      ) : null,
                  },
                ]
              : []),
          ]}
        />
      </Card>
      <Card title={w.runs} style={{ marginBottom: 16 }}>
        <Table
          size="small"
          pagination={false}
          rowKey="id"
          dataSource={data?.connectorRuns.edges.map((e) => e.node) ?? []}
          columns={[
            { title: w.name, dataIndex: 'connector' },
            { title: w.started, render: (_, r) => chinaTime(r.startedAt) },
            { title: w.status, render: (_, r) => label(STATUS_LABELS, r.status) },
            { title: w.received, dataIndex: 'received' },
            { title: w.inserted, dataIndex: 'inserted' },
            { title: w.rejected, dataIndex: 'rejected' },
            { title: w.error, render: (_, r) => (r.failureReason ? `${label(FAILURE_LABELS, r.failureReason)}：${r.error ?? ''}` : '—') },
          ]}
        />
      </Card>
      <Card title={w.batches}>
        <Table
          size="small"
          pagination={false}
          rowKey="id"
          dataSource={data?.ingestionBatches.edges.map((e) => e.node) ?? []}
          columns={[
            { title: '#', dataIndex: 'id' },
            { title: 'source', dataIndex: 'source' },
            { title: w.started, render: (_, b) => chinaTime(b.startedAt) },
            { title: w.received, dataIndex: 'received' },
            { title: w.inserted, dataIndex: 'inserted' },
            { title: w.rejected, dataIndex: 'rejected' },
          ]}
        />
      </Card>
      <Modal
        title={w.release}
        open={releasing !== undefined}
        onOk={release}
        okButtonProps={{ disabled: justification.trim().length === 0, id: 'release-confirm' }}
        onCancel={() => {
          setReleasing(undefined);
        }}
      >
        <Input.TextArea
          data-testid="release-justification"
          rows={3}
          maxLength={500}
          placeholder={w.justification}
          value={justification}
          onChange={(e) => {
            setJustification(e.target.value);
          }}
        />
      </Modal>
    </div>
  );
}
