// fabric-contract-api and fabric-shim log every decorator and every refused transaction; tests want quiet.
process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'CRITICAL';
process.env.SCARF_ANALYTICS = 'false';
process.env.METADATA_SERVER_DETECTION = 'none';
