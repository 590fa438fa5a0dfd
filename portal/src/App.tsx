import { Alert, Anchor, AppShell, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useEffect, useState, type ReactNode } from 'react';
import { loadPortalConfig, type SignInConfig } from './auth/portal-config';
import { SignIn } from './auth/SignIn';
import { setSession, useSession, type Session } from './auth/session';
import { ProblemAlert } from './components/ProblemAlert';
import { Loading } from './components/States';
import { strings } from './i18n/strings';
import { href, navigate, useRoute } from './router';
import { RegisterUsers } from './screens/admin/RegisterUsers';
import { BreakGlassReview } from './screens/admin/BreakGlassReview';
import { AccessLog } from './screens/patient/AccessLog';
import { ExportErase } from './screens/patient/ExportErase';
import { MyRecords } from './screens/patient/MyRecords';
import { PendingRequests } from './screens/patient/PendingRequests';
import { Sharing } from './screens/patient/Sharing';
import { MyAccessRequests } from './screens/practitioner/MyAccessRequests';
import { OpenPatient } from './screens/practitioner/OpenPatient';
import { PatientWorkspace } from './screens/practitioner/PatientWorkspace';

interface NavItem {
  route: string;
  label: string;
}

/** The screens each role reaches, first one = home. */
const NAV: Record<Session['role'], NavItem[]> = {
  patient: [
    { route: '/records', label: strings.nav.records },
    { route: '/access-log', label: strings.nav.accessLog },
    { route: '/sharing', label: strings.nav.sharing },
    { route: '/requests', label: strings.nav.requests },
    { route: '/export', label: strings.nav.export },
  ],
  practitioner: [
    { route: '/patient', label: strings.nav.patient },
    { route: '/my-requests', label: strings.nav.myRequests },
  ],
  admin: [
    { route: '/register', label: strings.nav.register },
    { route: '/review', label: strings.nav.review },
  ],
};

function screenFor(session: Session, route: string): ReactNode {
  const [, first, second, third] = route.split('/');
  if (session.role === 'patient') {
    switch (first) {
      case 'records':
        return <MyRecords session={session} />;
      case 'access-log':
        return <AccessLog session={session} />;
      case 'sharing':
        return <Sharing session={session} />;
      case 'requests':
        return <PendingRequests />;
      case 'export':
        return <ExportErase session={session} />;
    }
  }
  if (session.role === 'practitioner') {
    if (first === 'patient' && second)
      return <PatientWorkspace patientId={second} tab={third ?? 'records'} />;
    if (first === 'patient') return <OpenPatient />;
    if (first === 'my-requests') return <MyAccessRequests />;
  }
  if (session.role === 'admin') {
    if (first === 'register') return <RegisterUsers />;
    if (first === 'review') return <BreakGlassReview />;
  }
  return <Text>{strings.app.notFound}</Text>;
}

/** The portal: sign-in, then the signed-in role's screens in an app shell that collapses at phone widths. */
export function App() {
  const session = useSession();
  const route = useRoute();
  const [config, setConfig] = useState<{ signIn: SignInConfig }>();
  const [configError, setConfigError] = useState<unknown>();
  const [opened, { toggle, close }] = useDisclosure();

  useEffect(() => {
    loadPortalConfig().then(setConfig, setConfigError);
  }, []);
  useEffect(() => {
    // A signed-in user on an unknown route goes to their home screen.
    if (session && (route === '/' || !NAV[session.role].some((item) => route.startsWith(item.route))))
      navigate(NAV[session.role][0]!.route);
  }, [session, route]);
  useEffect(close, [route, close]);

  const signOut = async () => {
    if (session?.method === 'firebase') await (await import('./auth/firebase-sign-in')).firebaseSignOut();
    setSession(null);
    navigate('/');
  };
  const development = config?.signIn.kind === 'development';

  return (
    <AppShell
      header={{ height: development ? { base: 132, xs: 110, sm: 96 } : 56 }}
      navbar={session ? { width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } } : undefined}
      padding="md"
    >
      <AppShell.Header>
        <a href="#main" className="skip-link">
          {strings.app.skipToContent}
        </a>
        {development ? (
          <Alert color="yellow" radius={0} py={6} role="note" data-testid="dev-banner">
            <Text size="sm" fw={600}>
              {strings.app.devBanner}
            </Text>
          </Alert>
        ) : null}
        <Group h={56} px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            {session ? (
              <Burger
                opened={opened}
                onClick={toggle}
                hiddenFrom="sm"
                size="sm"
                aria-label={strings.app.menu}
              />
            ) : null}
            <Anchor href={href('/')} underline="never" c="dark.9">
              <Title order={2} size="h4">
                {strings.app.name}
              </Title>
            </Anchor>
          </Group>
          {session ? (
            <Group gap="sm" wrap="nowrap">
              <Text size="sm" visibleFrom="xs" data-testid="signed-in-as">
                {strings.app.signedInAs(
                  session.userId,
                  strings.roles[session.role] ?? session.role,
                  session.homeOrg,
                )}
              </Text>
              <Button variant="default" size="xs" onClick={() => void signOut()}>
                {strings.app.signOut}
              </Button>
            </Group>
          ) : null}
        </Group>
      </AppShell.Header>
      {session ? (
        <AppShell.Navbar p="sm" aria-label={strings.app.menu} component="nav">
          {NAV[session.role].map((item) => (
            <NavLink
              key={item.route}
              href={href(item.route)}
              label={item.label}
              active={route.startsWith(item.route)}
              aria-current={route.startsWith(item.route) ? 'page' : undefined}
            />
          ))}
        </AppShell.Navbar>
      ) : null}
      <AppShell.Main id="main" component="main">
        {configError ? <ProblemAlert error={configError} /> : null}
        {!config && !configError ? <Loading label={strings.signIn.loading} /> : null}
        {config && !session ? <SignIn config={config.signIn} /> : null}
        {config && session ? screenFor(session, route) : null}
      </AppShell.Main>
    </AppShell>
  );
}
