import {
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  MultiSelect,
  Radio,
  Select,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { api, call, type Schemas } from '../../api/client';
import type { Session } from '../../auth/session';
import { ProblemAlert } from '../../components/ProblemAlert';
import { ListTable } from '../../components/ListTable';
import { CATEGORIES, PURPOSES } from '../../components/RecordList';
import { Success } from '../../components/States';
import { useAction, useLoad } from '../../components/use-load';
import { strings } from '../../i18n/strings';

const HOSPITALS = ['HospitalAMSP', 'HospitalBMSP'];

/** A date `days` from now as the value of a date input (YYYY-MM-DD). */
export function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The end of a chosen day, as the ISO instant the API wants. */
export function endOfDay(date: string): string {
  return new Date(`${date}T23:59:59`).toISOString();
}

function granteeOf(consent: Schemas['Consent']): string {
  return consent.grantee.kind === 'user' ? (consent.grantee.userId ?? '') : (consent.grantee.org ?? '');
}

function describeScope(scope: Schemas['ConsentScope']): string {
  if (scope.recordIds?.length) return scope.recordIds.join(', ');
  return (scope.categories ?? []).map((c) => strings.categories[c] ?? c).join(', ');
}

/** Grants consents (to a practitioner or a hospital; by kinds of records or chosen records; purposes; expiry), lists and revokes them. */
export function Sharing({ session }: { session: Session }) {
  const consents = useLoad(
    () =>
      call(api.GET('/v1/patients/{patientId}/consents', { params: { path: { patientId: session.userId } } })),
    [session.userId],
  );
  const records = useLoad(
    () =>
      call(
        api.GET('/v1/patients/{patientId}/records', {
          params: { path: { patientId: session.userId }, query: { pageSize: 100 } },
        }),
      ),
    [session.userId],
  );
  const [kind, setKind] = useState<'user' | 'org'>('user');
  const [userId, setUserId] = useState('');
  const [org, setOrg] = useState<string | null>(HOSPITALS[0]!);
  const [scopeKind, setScopeKind] = useState<'categories' | 'records'>('categories');
  const [categories, setCategories] = useState<string[]>(['report']);
  const [recordIds, setRecordIds] = useState<string[]>([]);
  const [purposes, setPurposes] = useState<string[]>(['TREAT']);
  const [until, setUntil] = useState(inDays(30));
  const grant = useAction();
  const revoke = useAction();
  const authors = useLoad(
    () =>
      call(
        api.GET('/v1/patients/{patientId}/consents/author-access', {
          params: { path: { patientId: session.userId } },
        }),
      ),
    [session.userId],
  );
  const authorChoice = useAction();
  const setAuthorAccess = (authorAccess: 'ALLOWED' | 'DENIED') =>
    void authorChoice.run(async () => {
      await call(
        api.PUT('/v1/patients/{patientId}/consents/author-access', {
          params: { path: { patientId: session.userId } },
          body: { authorAccess },
        }),
      );
      authors.reload();
      return authorAccess === 'DENIED' ? strings.sharing.authorEnded : strings.sharing.authorRestored;
    });
  const authorsAllowed = authors.data?.authorAccess !== 'DENIED';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void grant.run(async () => {
      await call(
        api.POST('/v1/patients/{patientId}/consents', {
          params: { path: { patientId: session.userId } },
          body: {
            grantee:
              kind === 'user'
                ? { kind: 'user', userId: userId.trim() }
                : { kind: 'org', org: org ?? undefined },
            scope:
              scopeKind === 'categories'
                ? { categories: categories as Schemas['Category'][] }
                : { recordIds },
            purposes: purposes as Schemas['Purpose'][],
            expiresAt: endOfDay(until),
          },
        }),
      );
      consents.reload();
      return strings.sharing.granted;
    });
  };
  const stop = (consentId: string) =>
    void revoke.run(async () => {
      await call(api.DELETE('/v1/consents/{consentId}', { params: { path: { consentId } } }));
      consents.reload();
      return strings.sharing.revoked;
    });
  const active = (consents.data ?? []).filter((c) => c.status === 'ACTIVE');

  return (
    <Stack>
      <Title order={1} size="h2">
        {strings.sharing.title}
      </Title>
      <Card withBorder component="form" onSubmit={submit} aria-labelledby="grant-title">
        <Stack>
          <Title order={2} size="h4" id="grant-title">
            {strings.sharing.grantTitle}
          </Title>
          <Radio.Group
            label={strings.sharing.granteeKind}
            value={kind}
            onChange={(v) => setKind(v as 'user' | 'org')}
          >
            <Group mt={4}>
              <Radio value="user" label={strings.sharing.kindUser} />
              <Radio value="org" label={strings.sharing.kindOrg} />
            </Group>
          </Radio.Group>
          {kind === 'user' ? (
            <TextInput
              label={strings.sharing.granteeUser}
              value={userId}
              onChange={(e) => setUserId(e.currentTarget.value)}
              required
            />
          ) : (
            <Select
              label={strings.sharing.granteeOrg}
              data={HOSPITALS}
              value={org}
              onChange={setOrg}
              allowDeselect={false}
            />
          )}
          <Radio.Group
            label={strings.sharing.scopeKind}
            value={scopeKind}
            onChange={(v) => setScopeKind(v as 'categories' | 'records')}
          >
            <Group mt={4}>
              <Radio value="categories" label={strings.sharing.scopeCategories} />
              <Radio value="records" label={strings.sharing.scopeRecords} />
            </Group>
          </Radio.Group>
          {scopeKind === 'categories' ? (
            <MultiSelect
              label={strings.sharing.categories}
              data={CATEGORIES.map((c) => ({ value: c, label: strings.categories[c] ?? c }))}
              value={categories}
              onChange={setCategories}
              required
            />
          ) : (
            <MultiSelect
              label={strings.sharing.records}
              data={(records.data?.records ?? []).map((r) => ({ value: r.recordId, label: r.title }))}
              value={recordIds}
              onChange={setRecordIds}
              required
            />
          )}
          <Checkbox.Group label={strings.sharing.purposes} value={purposes} onChange={setPurposes}>
            <Group mt={4}>
              {PURPOSES.filter((p) => p !== 'PATRQT').map((p) => (
                <Checkbox key={p} value={p} label={strings.purposes[p]} />
              ))}
            </Group>
          </Checkbox.Group>
          <TextInput
            type="date"
            label={strings.sharing.expiresAt}
            value={until}
            min={inDays(0)}
            onChange={(e) => setUntil(e.currentTarget.value)}
            required
            w={200}
          />
          <ProblemAlert error={grant.error} />
          <Success message={grant.message} />
          <Group>
            <Button type="submit" loading={grant.busy}>
              {strings.sharing.grant}
            </Button>
          </Group>
        </Stack>
      </Card>
      <Card withBorder aria-labelledby="author-title" data-testid="author-access">
        <Stack>
          <Title order={2} size="h4" id="author-title">
            {strings.sharing.authorTitle}
          </Title>
          <ProblemAlert error={authors.error ?? authorChoice.error} />
          {authors.data && (
            <p>
              {authorsAllowed
                ? strings.sharing.authorAllowed(authors.data.windowDays)
                : strings.sharing.authorDenied}
            </p>
          )}
          <Success message={authorChoice.message} />
          <Group>
            <Button
              variant="outline"
              color={authorsAllowed ? 'red.8' : undefined}
              loading={authorChoice.busy}
              disabled={!authors.data}
              onClick={() => setAuthorAccess(authorsAllowed ? 'DENIED' : 'ALLOWED')}
            >
              {authorsAllowed ? strings.sharing.authorEnd : strings.sharing.authorRestore}
            </Button>
          </Group>
        </Stack>
      </Card>
      <Title order={2} size="h4">
        {strings.sharing.listTitle}
      </Title>
      <ProblemAlert error={consents.error ?? revoke.error} />
      <Success message={revoke.message} />
      <ListTable
        label={strings.sharing.listTitle}
        testId="consents"
        minWidth={520}
        loading={consents.loading}
        failed={Boolean(consents.error)}
        empty={strings.sharing.empty}
        rows={active}
        rowKey={(c) => c.consentId}
        rowProps={(c) => ({ 'data-grantee': granteeOf(c) })}
        columns={[
          { header: strings.sharing.grantee, cell: granteeOf },
          { header: strings.sharing.scope, cell: (c) => describeScope(c.scope) },
          {
            header: strings.sharing.purposes,
            cell: (c) => c.purposes.map((p) => strings.purposes[p] ?? p).join(', '),
          },
          { header: strings.sharing.until, cell: (c) => new Date(c.expiresAt).toLocaleDateString() },
          {
            header: strings.sharing.status,
            cell: (c) => (
              <Group gap="xs" wrap="nowrap">
                <Badge color="teal.9" variant="filled">
                  {c.status}
                </Badge>
                <Button
                  size="xs"
                  color="red.8"
                  variant="outline"
                  onClick={() => stop(c.consentId)}
                  aria-label={`${strings.sharing.revoke}: ${granteeOf(c)}`}
                >
                  {strings.sharing.revoke}
                </Button>
              </Group>
            ),
          },
        ]}
      />
    </Stack>
  );
}
