import Alert from 'antd/es/alert';
import Button from 'antd/es/button';
import ConfigProvider from 'antd/es/config-provider';
import Layout from 'antd/es/layout';
import Menu from 'antd/es/menu';
import Result from 'antd/es/result';
import Space from 'antd/es/space';
import Spin from 'antd/es/spin';
import Tag from 'antd/es/tag';
import enUS from 'antd/es/locale/en_US';
import zhCN from 'antd/es/locale/zh_CN';
import { Suspense, useEffect, useState } from 'react';
import { STYLE_NONCE } from './csp-nonce.js';
import { signOut, whenSessionEnds, type SignedIn } from './api.js';
import { WORDS, WordsContext, type Language } from './i18n.js';
import type { Me } from './operations.js';
import { AccessPage, AgencyPage, DrawsPage, EnterpriseProfilePage, EnterpriseSearchPage, GradesPage, OverviewPage, RepairsPage } from './lazy-pages.js';
import { navigate, usePath } from './router.js';
import { startSession, type Signed } from './session-start.js';

function useSignedIn(): [Signed, (next: Signed) => void] {
  const [signed, setSigned] = useState<Signed>({ state: 'checking' });
  useEffect(() => {
    whenSessionEnds(() => {
      setSigned({ state: 'out' });
    });
    startSession().then(setSigned, (error: unknown) => {
      setSigned({ state: 'out', problem: error instanceof Error ? error.message : String(error) });
    });
  }, []);
  return [signed, setSigned];
}

const PAGES = ['overview', 'agency', 'enterprise', 'access', 'grades', 'draws', 'repairs', 'partners'] as const;

function Page({ path, session, me }: { path: string; session: SignedIn; me: Me }) {
  const [, first, second] = path.split('/');
  const canChange = session.user.role === 'OPERATOR';
  switch (first) {
    case 'agency':
      return <AgencyPage me={me} canChange={canChange} />;
    case 'enterprise':
      return second ? <EnterpriseProfilePage uscc={decodeURIComponent(second)} me={me} /> : <EnterpriseSearchPage />;
    case 'access':
      return <AccessPage me={me} />;
    case 'grades':
      return <GradesPage />;
    case 'draws':
      return <DrawsPage />;
    case 'repairs':
      return <RepairsPage />;
    default:
      return <OverviewPage me={me} />;
  }
}

/** The console: sign-in state, the navigation (with room for what comes next) and the current page. */
export function App() {
  const [language, setLanguage] = useState<Language>('zh');
  const w = WORDS[language];
  const [signed, setSigned] = useSignedIn();
  const path = usePath();
  const current = path.split('/')[1] || 'overview';
  const scopes = signed.state === 'in' ? signed.me.scopes : [];
  const holds = (scope: string) => scopes.includes(scope) || scopes.includes('admin');
  const menu = PAGES.map((key) => {
    // Partner hubs (cross-region federation) have no console API yet: the slot is kept, disabled.
    const disabled = key === 'partners' || (key === 'grades' && !holds('credit:read')) || (key === 'repairs' && !holds('repair:write'));
    return {
      key,
      label: (
        <span data-testid={`nav-${key}`} title={disabled ? w.comingSoon : w[key]}>
          {w[key]}
        </span>
      ),
      disabled,
    };
  });
  return (
    <ConfigProvider locale={language === 'zh' ? zhCN : enUS} csp={{ nonce: STYLE_NONCE }}>
      <WordsContext.Provider value={w}>
        <Layout style={{ minHeight: '100vh' }}>
          <Layout.Header style={{ display: 'flex', alignItems: 'center', color: '#fff', gap: 16 }}>
            <strong style={{ fontSize: 18 }}>
              {w.title} · {w.console}
            </strong>
            <span style={{ flex: 1 }} />
            {signed.state === 'in' && (
              <Space>
                <span data-testid="signed-in-as">
                  {signed.session.user.personName}（{signed.session.user.name}）
                </span>
                <Tag>
                  {w.actingFor} {signed.session.user.clientId}
                </Tag>
                <Tag>
                  {w.purpose}: {signed.session.user.purpose}
                </Tag>
                <Tag>{signed.session.user.role}</Tag>
                <Button
                  size="small"
                  data-testid="sign-out"
                  onClick={() =>
                    void signOut().then(() => {
                      setSigned({ state: 'out' });
                    })
                  }
                >
                  {w.signOut}
                </Button>
              </Space>
            )}
            <Button
              size="small"
              onClick={() => {
                setLanguage(language === 'zh' ? 'en' : 'zh');
              }}
            >
              {w.language}
            </Button>
          </Layout.Header>
          {signed.state === 'checking' && (
            <Spin style={{ margin: 48 }} tip={w.loading}>
              <div />
            </Spin>
          )}
          {signed.state === 'out' && (
            <div data-testid="signed-out">
              <Result
                status="403"
                title={w.signIn}
                subTitle={w.notSignedIn}
                extra={signed.problem && <Alert type="error" message={`${w.signInFailed}: ${signed.problem}`} />}
              />
            </div>
          )}
          {signed.state === 'in' && (
            <Layout>
              <Layout.Sider width={200} theme="light">
                <Menu
                  mode="inline"
                  selectedKeys={[current]}
                  items={menu}
                  onClick={({ key }) => {
                    navigate(`/${key}`);
                  }}
                />
              </Layout.Sider>
              <Layout.Content style={{ padding: 24 }}>
                <Suspense fallback={<Spin />}>
                  <Page path={path} session={signed.session} me={signed.me} />
                </Suspense>
              </Layout.Content>
            </Layout>
          )}
        </Layout>
      </WordsContext.Provider>
    </ConfigProvider>
  );
}
