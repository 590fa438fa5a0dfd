// fabric-contract-api and fabric-shim log every decorator at info level; tests want errors only.
process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'error';
process.env.SCARF_ANALYTICS = 'false';
process.env.METADATA_SERVER_DETECTION = 'none';
