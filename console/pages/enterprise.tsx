import Alert from 'antd/es/alert';
import Card from 'antd/es/card';
import Collapse from 'antd/es/collapse';
import Descriptions from 'antd/es/descriptions';
import Empty from 'antd/es/empty';
import Input from 'antd/es/input';
import Space from 'antd/es/space';
import Table from 'antd/es/table';
import Tag from 'antd/es/tag';
import Timeline from 'antd/es/timeline';
import { useState } from 'react';
import { chinaTime } from '../format.js';
import { useOperation } from '../hooks.js';
import { useWords } from '../i18n.js';
import { CATEGORY_LABELS, KIND_LABELS, STATUS_LABELS, codedValue, label } from '../labels.js';
import { SEARCH_SUBJECTS, SUBJECT_ACCESS_LOG, SUBJECT_PROFILE, type Me, type RecordNode } from '../operations.js';
import { FilterSelect } from '../parts/filter-select.js';
import { navigate } from '../router.js';

const USCC = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

/** Search by name or USCC; a USCC opens the profile at once. */
export function EnterpriseSearchPage() {
  const w = useWords();
  const [name, setName] = useState('');
  const results = useOperation(SEARCH_SUBJECTS, { name }, name.length < 2);
  const search = (value: string) => {
    const text = value.trim().toUpperCase();
    if (USCC.test(text)) navigate(`/enterprise/${text}`);
    else setName(value.trim());
  };
  return (
    <div data-testid="page-enterprise-search">
      <Input.Search
        data-testid="enterprise-search"
        size="large"
        placeholder={w.searchPlaceholder}
        enterButton={w.search}
        onSearch={search}
        style={{ maxWidth: 640, marginBottom: 16 }}
      />
      {results.error && <Alert type="error" message={results.error} />}
      {name.length >= 2 && (
        <Table
          data-testid="search-results"
          rowKey="uscc"
          loading={results.loading}
          dataSource={results.data?.subjects.edges.map((e) => e.node) ?? []}
          onRow={(row) => ({
            onClick: () => {
              navigate(`/enterprise/${row.uscc}`);
            },
            style: { cursor: 'pointer' },
          })}
          columns={[
            { title: w.name, render: (_, s) => <a data-testid={`open-${s.uscc}`}>{s.name}</a> },
            { title: w.uscc, dataIndex: 'uscc' },
            { title: w.category, render: (_, s) => label(CATEGORY_LABELS, s.category) },
            { title: w.region, render: (_, s) => s.region.name },
          ]}
        />
      )}
    </div>
  );
}

function RecordFields({ record }: { record: RecordNode }) {
  return (
    <Descriptions size="small" column={2} bordered>
      {record.standardFields.map((field) => (
        <Descriptions.Item key={field.code} label={field.label}>
          {codedValue(field)}
        </Descriptions.Item>
      ))}
    </Descriptions>
  );
}

/** One enterprise: its records on a timeline with every standard field labelled, and who looked at it. */
export function EnterpriseProfilePage({ uscc, me }: { uscc: string; me: Me }) {
  const w = useWords();
  const [kinds, setKinds] = useState<string[]>([]);
  const [statuses, setStatuses] = useState<string[]>([]);
  const filter = { ...(kinds.length ? { kinds } : {}), ...(statuses.length ? { statuses } : {}) };
  const profile = useOperation(SUBJECT_PROFILE, { uscc, filter });
  const mayAudit = me.scopes.includes('audit:subject') || me.scopes.includes('admin');
  const looked = useOperation(SUBJECT_ACCESS_LOG, { uscc }, !mayAudit);
  const subject = profile.data?.subject;
  const records = subject?.records.edges.map((e) => e.node) ?? [];
  return (
    <div data-testid="page-enterprise-profile">
      <a
        onClick={() => {
          navigate('/enterprise');
        }}
      >
        ← {w.back}
      </a>
      {profile.error && <Alert type="error" message={profile.error} />}
      {subject && (
        <Card title={<span data-testid="profile-name">{subject.name}</span>} style={{ margin: '12px 0' }}>
          <Descriptions size="small" column={3}>
            <Descriptions.Item label={w.uscc}>{subject.uscc}</Descriptions.Item>
            <Descriptions.Item label={w.category}>{label(CATEGORY_LABELS, subject.category)}</Descriptions.Item>
            <Descriptions.Item label={w.region}>
              {subject.region.name} ({subject.divisionCode})
            </Descriptions.Item>
          </Descriptions>
        </Card>
      )}
      <Card
        title={`${w.records} (${subject?.records.totalCount ?? 0})`}
        extra={
          <Space>
            {w.filters}
            <FilterSelect
              placeholder={w.kind}
              value={kinds}
              onChange={setKinds}
              options={Object.entries(KIND_LABELS).map(([value, text]) => ({ value, label: text }))}
              minWidth={200}
            />
            <FilterSelect
              placeholder={w.status}
              value={statuses}
              onChange={setStatuses}
              options={['ACTIVE', 'EXPIRED', 'REVOKED', 'DISPUTED'].map((value) => ({ value, label: label(STATUS_LABELS, value) }))}
              minWidth={160}
            />
          </Space>
        }
      >
        <p>
          <small>{w.fineNote}</small>
        </p>
        {records.length === 0 && !profile.loading ? (
          <Empty />
        ) : (
          <Timeline
            data-testid="record-timeline"
            items={records.map((record, index) => ({
              color: record.status === 'ACTIVE' ? (record.kind === 'RED_LIST' || record.kind === 'PERMIT' ? 'green' : 'red') : 'gray',
              children: (
                <Collapse
                  size="small"
                  defaultActiveKey={index === 0 ? [record.id] : []}
                  items={[
                    {
                      key: record.id,
                      label: (
                        <span>
                          {record.eventDate} <Tag>{label(KIND_LABELS, record.kind)}</Tag>
                          <Tag>{label(STATUS_LABELS, record.status)}</Tag>
                          {record.documentNumber ?? ''} · {w.originAgency}: {record.agency.name} · {w.originRegion}: {record.originRegion.name}
                        </span>
                      ),
                      children: <RecordFields record={record} />,
                    },
                  ]}
                />
              ),
            }))}
          />
        )}
      </Card>
      <Card title={w.whoLooked} style={{ marginTop: 16 }}>
        {!mayAudit ? (
          <Alert type="info" message={w.noPermission} />
        ) : looked.error ? (
          <Alert type="error" message={looked.error} />
        ) : (
          <Table
            size="small"
            pagination={false}
            rowKey="seq"
            dataSource={looked.data?.subjectAccessLog.edges.map((e) => e.node) ?? []}
            columns={[
              { title: w.time, render: (_, e) => chinaTime(e.at) },
              { title: w.client, dataIndex: 'clientId' },
              { title: w.person, render: (_, e) => e.person ?? '—' },
              { title: w.purpose, render: (_, e) => e.purpose ?? '—' },
              { title: w.operation, dataIndex: 'operation' },
            ]}
          />
        )}
      </Card>
    </div>
  );
}
