import Alert from 'antd/es/alert';
import Button from 'antd/es/button';
import Card from 'antd/es/card';
import Form from 'antd/es/form';
import Input from 'antd/es/input';
import Table from 'antd/es/table';
import Tag from 'antd/es/tag';
import Typography from 'antd/es/typography';
import { useState } from 'react';
import { chinaTime } from '../format.js';
import { useOperation } from '../hooks.js';
import { useWords } from '../i18n.js';
import { AUDIT_HEAD, AUDIT_SEARCH, AUTHORIZATIONS, CLIENTS, type Me } from '../operations.js';

/** Clients, an enterprise's authorisations, the audit log and its signed checkpoint (operators). */
export function AccessPage({ me }: { me: Me }) {
  const w = useWords();
  const isAdmin = me.type === 'ADMIN';
  const clients = useOperation(CLIENTS, {}, !isAdmin);
  const head = useOperation(AUDIT_HEAD, {}, !isAdmin);
  const [filter, setFilter] = useState<{ clientId?: string; uscc?: string }>({});
  const audit = useOperation(AUDIT_SEARCH, { filter }, !isAdmin);
  const [authUscc, setAuthUscc] = useState('');
  const authorizations = useOperation(AUTHORIZATIONS, { uscc: authUscc }, authUscc.length !== 18);
  if (!isAdmin) return <Alert data-testid="page-access" type="info" message={w.noPermission} />;
  return (
    <div data-testid="page-access">
      <Card title={w.auditVerify} style={{ marginBottom: 16 }}>
        {head.data && (
          <>
            <Tag color="green">
              {w.treeSize}: {head.data.auditCheckpoint.treeSize}
            </Tag>
            <Typography.Text code copyable>
              {head.data.auditCheckpoint.rootHash}
            </Typography.Text>
            <p>
              <small>{w.verifyHint}</small>
            </p>
          </>
        )}
      </Card>
      <Card title={w.auditSearch} style={{ marginBottom: 16 }}>
        <Form
          layout="inline"
          onFinish={(values: { clientId?: string; uscc?: string }) => {
            setFilter({ ...(values.clientId ? { clientId: values.clientId } : {}), ...(values.uscc ? { uscc: values.uscc } : {}) });
          }}
        >
          <Form.Item name="clientId" label={w.client}>
            <Input allowClear />
          </Form.Item>
          <Form.Item name="uscc" label={w.uscc}>
            <Input allowClear />
          </Form.Item>
          <Button htmlType="submit" type="primary">
            {w.search}
          </Button>
        </Form>
        {audit.error && <Alert type="error" message={audit.error} />}
        <Table
          data-testid="audit-table"
          size="small"
          rowKey="seq"
          pagination={{ pageSize: 20 }}
          dataSource={audit.data?.auditLog.edges.map((e) => e.node) ?? []}
          columns={[
            { title: '#', dataIndex: 'seq' },
            { title: w.time, render: (_, e) => chinaTime(e.at) },
            { title: w.client, dataIndex: 'clientId' },
            { title: w.person, render: (_, e) => e.person ?? '—' },
            { title: w.purpose, render: (_, e) => e.purpose ?? '—' },
            { title: w.operation, dataIndex: 'operation' },
            { title: w.outcome, render: (_, e) => <Tag color={e.outcome === 'OK' ? 'green' : 'red'}>{e.outcome}</Tag> },
          ]}
        />
      </Card>
      <Card title={w.authorizations} style={{ marginBottom: 16 }}>
        <Input.Search
          placeholder={w.uscc}
          onSearch={(v) => {
            setAuthUscc(v.trim().toUpperCase());
          }}
          style={{ maxWidth: 360, marginBottom: 8 }}
        />
        {authorizations.error && <Alert type="error" message={authorizations.error} />}
        <Table
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={authorizations.data?.authorizations ?? []}
          columns={[
            { title: w.client, dataIndex: 'clientId' },
            { title: w.purpose, dataIndex: 'purpose' },
            { title: w.validUntil, dataIndex: 'validUntil' },
            { title: w.status, render: (_, a) => (a.revokedAt ? <Tag>revoked {chinaTime(a.revokedAt)}</Tag> : <Tag color="green">in force</Tag>) },
          ]}
        />
      </Card>
      <Card title={w.clients}>
        <Table
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={clients.data?.clients ?? []}
          columns={[
            { title: 'ID', dataIndex: 'id' },
            { title: w.name, dataIndex: 'name' },
            { title: 'type', dataIndex: 'type' },
            { title: w.agency, render: (_, c) => c.agencyCode ?? '—' },
            { title: 'scopes', render: (_, c) => c.scopes.join(' ') },
            { title: 'auth', render: (_, c) => c.authMethods.join(', ') },
            { title: w.status, render: (_, c) => (c.revokedAt ? <Tag color="red">{chinaTime(c.revokedAt)}</Tag> : <Tag color="green">active</Tag>) },
          ]}
        />
      </Card>
    </div>
  );
}
