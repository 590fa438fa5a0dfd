// dcmjs ships no type declarations; the tests use only DicomDict, DicomMetaDictionary and write().
declare module 'dcmjs';
