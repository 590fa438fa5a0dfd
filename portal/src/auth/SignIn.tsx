import { Anchor, Button, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { api, call } from '../api/client';
import { ProblemAlert } from '../components/ProblemAlert';
import { useAction } from '../components/use-load';
import { strings } from '../i18n/strings';
import type { SignInConfig } from './portal-config';
import { setSession, type Session } from './session';

/** Maps a token to its registry entry and starts the session. */
async function startSession(token: string, method: Session['method']): Promise<void> {
  const me = await call(api.GET('/v1/me', { headers: { Authorization: `Bearer ${token}` } }));
  setSession({ token, userId: me.userId, role: me.role, homeOrg: me.homeOrg, method });
}

/** The sign-in screen: a development sign-in on the embedded profile, Firebase email and password otherwise. */
export function SignIn({ config }: { config: SignInConfig }) {
  return (
    <Paper withBorder p="lg" maw={420} mx="auto" mt="xl" component="section" aria-labelledby="sign-in-title">
      <Title order={1} size="h2" id="sign-in-title" mb="sm">
        {config.kind === 'development' ? strings.signIn.devTitle : strings.signIn.title}
      </Title>
      {config.kind === 'development' ? <DevSignIn /> : <FirebaseSignIn config={config} />}
    </Paper>
  );
}

function DevSignIn() {
  const [userId, setUserId] = useState('');
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const issued = await call(api.POST('/v1/dev/tokens', { body: { userId: userId.trim() } }));
      await startSession(issued.token, 'development');
    });
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <Text size="sm">{strings.signIn.devHelp}</Text>
        <TextInput
          label={strings.signIn.userId}
          value={userId}
          onChange={(e) => setUserId(e.currentTarget.value)}
          required
          autoComplete="username"
          name="userId"
        />
        <Group gap="xs">
          <Text size="sm">{strings.signIn.quickPick}:</Text>
          {['hospital-a-admin', 'hospital-b-admin'].map((id) => (
            <Anchor key={id} component="button" type="button" size="sm" onClick={() => setUserId(id)}>
              {id}
            </Anchor>
          ))}
        </Group>
        <ProblemAlert error={action.error} />
        <Button type="submit" loading={action.busy}>
          {strings.signIn.submit}
        </Button>
      </Stack>
    </form>
  );
}

function FirebaseSignIn({ config }: { config: Extract<SignInConfig, { kind: 'firebase' }> }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      // The Firebase SDK is loaded only on this profile, in its own chunk.
      const { firebaseSignIn } = await import('./firebase-sign-in');
      const token = await firebaseSignIn(config, email.trim(), password);
      await startSession(token, 'firebase');
    });
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <Text size="sm">{strings.signIn.firebaseHelp}</Text>
        <TextInput
          label={strings.signIn.email}
          type="email"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
          required
          autoComplete="username"
        />
        <PasswordInput
          label={strings.signIn.password}
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          required
          autoComplete="current-password"
        />
        <ProblemAlert error={action.error} />
        <Button type="submit" loading={action.busy}>
          {strings.signIn.submit}
        </Button>
      </Stack>
    </form>
  );
}
