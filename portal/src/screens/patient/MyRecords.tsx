import type { Session } from '../../auth/session';
import { RecordList } from '../../components/RecordList';
import { strings } from '../../i18n/strings';

/** The patient's own records; every open or download is recorded with the purpose PATRQT. */
export function MyRecords({ session }: { session: Session }) {
  return <RecordList patientId={session.userId} purposes={['PATRQT']} title={strings.records.title} />;
}
