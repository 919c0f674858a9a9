//! The ten JSON examples of the Hemis real-time API (seed 000, "Format des messages"), copied
//! verbatim, tabs and trailing spaces included: test data for the STOMP codec now, and for the
//! Hemis transport and connector next. They cover eight of the ten message types: the seed has
//! no example of `ACTUATOR_CURRENT_STATE` or `FACTOR_TARGET_STATE`, and three of
//! `ENTITY_MANAGEMENT`.

/// One seed example: its message type, the topic it comes on (`jms.topic.{buildingId}.<topic>`)
/// and its JSON text.
pub(super) const EXAMPLES: [(&str, &str, &str); 10] = [
    (
        "ACTUATOR_TARGET_STATE",
        "data",
        r#"{
   "timestamp":12345,
   "type":"ACTUATOR_TARGET_STATE",
   "zoneId":"MyHemis",
   "factorId":"TMP",
   "valueType":"0",
   "value": {
       "id": "123",
       "itId": "123",
       "actuatorId": "12345#C01",
       "value": 20.0,
       "timestamp": 1234525,
       "progressive": false,
       "colorEnable": false,
       "color": null,
       "hsvColor": null,
       "ctEnable": false,
       "ct": null,
       "minActionValue": 7.0,
       "maxActionValue": 35.0,
       "remote": false,
       "direct": true
    }
}
"#,
    ),
    (
        "ACTUATOR_HARDWARE_STATE",
        "data",
        r#"{
   "timestamp":12345,
   "type":"ACTUATOR_HARDWARE_STATE"	,
   "zoneId":"MyHemis",
   "factorId":"TMP",
   "valueType":"0",
   "value": {
       "id": "123",
       "itId": "123",
       "actuatorId": "12345#C01",
       "value": 21.5,
       "timestamp": 1234525,
       "progressive": false,
       "colorEnable": false,
       "color": null,
       "hsvColor": null,
       "ctEnable": false,
       "ct": null,
       "minActionValue": 7.0,
       "maxActionValue": 35.0,
       "remote": false,
       "direct": true
    }
}
"#,
    ),
    (
        "IT_STATE",
        "data",
        r#"{
   "timestamp":12345,
   "type":"IT_STATE",
   "itId":"itid123456",  
   "value": {
       "o": "OK",
       "pO": "UNKNOWN",
       "oTs": 12345,
       "pOTs": 12345,
       "oC": "UNKNOWN",
       "pOC": "UNKNOWN",
       "p": "OK",
       "pP": "OK",
       "pTs": 12345,
       "pPTs": 12345,
       "pC": "UNKNOWN",
       "pPc": "UNKNOWN",
       "r": "OK",
       "pR": "OK",
       "rTs": 12345,
       "pRTs": 12345,
       "rC": "UNKNOWN",
       "pRC": "100"
    }
}
"#,
    ),
    (
        "SENSOR_STATE",
        "data",
        r#"{
   "timestamp":12345,
   "type":"SENSOR_STATE",
   "zoneId":"MyHemis",
   "sensorId":"F023B91000000073#1",
   "factorId":"TMP",
   "itId":"041AA72AAA4A80",
   "valueType":"0",
   "value":"21.0"
}
"#,
    ),
    (
        "FACTOR_CURRENT_STATE",
        "data",
        r#"{
   "type":"FACTOR_CURRENT_STATE",
   "timestamp":1529420401946,
   "zoneId":"MyHemis",
   "factorId":"OCC",
   "value":99.7
}
"#,
    ),
    (
        "OBJECTIVE_STATE",
        "data",
        r#"{
   "type":"OBJECTIVE_STATE",
   "timestamp":1529420401946,
   "objectiveId":"123",
   "zoneId":"MyHemis",
   "value":true
}
"#,
    ),
    (
        "ENTITY_MANAGEMENT",
        "management",
        r#"{
   "timestamp":12345,
   "type":"ENTITY_MANAGEMENT",
   "entityType":"ZONE",
   "entityId":"Chambre_01",
   "action":"CREATE"
}
"#,
    ),
    (
        "ENTITY_MANAGEMENT",
        "management",
        r#"{
   "timestamp":12345,
   "type":"ENTITY_MANAGEMENT",
   "entityType":"IT",
   "entityId":"123456478#C01",
   "action":"DELETE"
}
"#,
    ),
    (
        "ENTITY_MANAGEMENT",
        "management",
        r#"{
   "timestamp":12345,
   "type":"ENTITY_MANAGEMENT",
   "entityType":"AMBIANCE",
   "entityId":"ambi012345",
   "action":"UPDATE"
}
"#,
    ),
    (
        "DATA_PROVIDER",
        "data",
        r#"{
  	"timestamp" : 1564478716,
    "type" : "DATA_PROVIDER",
    "container": {
        "dataInfo" : {
            "sourceTypeInfo" : {
                "sourceNature" : "SEN",
                "sourceGroup" : "TMP",
                "customPersistenceId" : "",
                "measurement" : "TEMP",
                "measurementUnit" : "°C"
            },
            "zoneId" : "Zone409004",
            "sourceId" : "0400A5818140A9"
        },
        "data" : {
            "header" : {
                "columns_mapping" : {
                    "RELIABILITY" : 1,
                    "VALUENB" : 0,
                    "NBPOINT" : 2
              	}		
            },
            "data_points" : [ {
                "d" : 1564478714,
                "v" : [ 20, 0.8, 1 ]
                }, {
                "d" : 1564478716,
                "v" : [ 21, 0.81, 1 ]
                } 
            ]
        }
    }
}
"#,
    ),
];
