import Foundation

// Geo conditions. Distances are great-circle (haversine) on a sphere of the mean Earth
// radius, in metres, as Qdrant computes them; boundaries are exclusive everywhere.

/// A point on Earth in degrees.
public struct GeoPoint: Sendable, Equatable {
    public var lon: Double
    public var lat: Double

    public init(lon: Double, lat: Double) {
        self.lon = lon
        self.lat = lat
    }

    /// Reads a payload value `{"lon": x, "lat": y}` (other members allowed); `nil` for anything
    /// else, including non-finite coordinates.
    init?(payload value: JSONValue) {
        guard case .object(let members) = value,
            let lon = members["lon"]?.numberValue, let lat = members["lat"]?.numberValue,
            lon.isFinite, lat.isFinite
        else { return nil }
        self.init(lon: lon, lat: lat)
    }
}

/// IUGG mean Earth radius in metres: the sphere Qdrant's haversine uses.
let meanEarthRadiusMetres = 6_371_008.8

/// Great-circle distance in metres between two points.
func haversineDistance(_ a: GeoPoint, _ b: GeoPoint) -> Double {
    let toRadians = Double.pi / 180
    let lat1 = a.lat * toRadians
    let lat2 = b.lat * toRadians
    let deltaLat = lat2 - lat1
    let deltaLon = (b.lon - a.lon) * toRadians
    let sinLat = sin(deltaLat / 2)
    let sinLon = sin(deltaLon / 2)
    let h = sinLat * sinLat + cos(lat1) * cos(lat2) * sinLon * sinLon
    return 2 * meanEarthRadiusMetres * asin(min(1, sqrt(h)))
}

/// `geo_bounding_box`: strictly inside the rectangle; a box whose left edge is east of its
/// right edge crosses the antimeridian.
public struct GeoBoundingBox: Sendable, Equatable {
    public var topLeft: GeoPoint
    public var bottomRight: GeoPoint

    public init(topLeft: GeoPoint, bottomRight: GeoPoint) {
        self.topLeft = topLeft
        self.bottomRight = bottomRight
    }

    public func contains(_ point: GeoPoint) -> Bool {
        let inLongitude: Bool
        if topLeft.lon > bottomRight.lon {
            inLongitude = point.lon > topLeft.lon || point.lon < bottomRight.lon
        } else {
            inLongitude = topLeft.lon < point.lon && point.lon < bottomRight.lon
        }
        return inLongitude && bottomRight.lat < point.lat && point.lat < topLeft.lat
    }
}

/// `geo_radius`: closer to `center` than `radius` metres.
public struct GeoRadius: Sendable, Equatable {
    public var center: GeoPoint
    public var radius: Double

    public init(center: GeoPoint, radius: Double) {
        self.center = center
        self.radius = radius
    }

    public func contains(_ point: GeoPoint) -> Bool {
        haversineDistance(center, point) < radius
    }
}

/// `geo_polygon`: inside `exterior` and outside every ring of `interiors` (boundaries excluded).
/// Each ring is closed (first point equals last) and has at least 4 points.
public struct GeoPolygon: Sendable, Equatable {
    public var exterior: [GeoPoint]
    public var interiors: [[GeoPoint]]

    public init(exterior: [GeoPoint], interiors: [[GeoPoint]] = []) {
        self.exterior = exterior
        self.interiors = interiors
    }

    public func contains(_ point: GeoPoint) -> Bool {
        guard GeoPolygon.ringContains(exterior, point, boundaryInside: false) else { return false }
        return !interiors.contains { GeoPolygon.ringContains($0, point, boundaryInside: true) }
    }

    /// Even-odd ray casting in the (lon, lat) plane; a point on an edge counts as inside only
    /// when `boundaryInside` (so a hole's edge removes it from the polygon).
    static func ringContains(_ ring: [GeoPoint], _ point: GeoPoint, boundaryInside: Bool) -> Bool {
        var vertices = ring
        if vertices.count > 1, vertices.first == vertices.last { vertices.removeLast() }
        guard vertices.count >= 3 else { return false }
        var inside = false
        var previous = vertices[vertices.count - 1]
        for current in vertices {
            if onSegment(point, previous, current) { return boundaryInside }
            let crosses = (current.lat > point.lat) != (previous.lat > point.lat)
            if crosses {
                let lonAtLat =
                    (previous.lon - current.lon) * (point.lat - current.lat)
                    / (previous.lat - current.lat) + current.lon
                if point.lon < lonAtLat { inside.toggle() }
            }
            previous = current
        }
        return inside
    }

    private static func onSegment(_ p: GeoPoint, _ a: GeoPoint, _ b: GeoPoint) -> Bool {
        let cross = (b.lon - a.lon) * (p.lat - a.lat) - (b.lat - a.lat) * (p.lon - a.lon)
        guard cross == 0 else { return false }
        return (a.lon - p.lon) * (b.lon - p.lon) <= 0 && (a.lat - p.lat) * (b.lat - p.lat) <= 0
    }

    /// The smallest latitude/longitude box holding the exterior ring.
    var bounds: (minLat: Double, maxLat: Double, minLon: Double, maxLon: Double) {
        var box = (
            minLat: Double.infinity, maxLat: -Double.infinity,
            minLon: Double.infinity, maxLon: -Double.infinity
        )
        for vertex in exterior {
            box.minLat = min(box.minLat, vertex.lat)
            box.maxLat = max(box.maxLat, vertex.lat)
            box.minLon = min(box.minLon, vertex.lon)
            box.maxLon = max(box.maxLon, vertex.lon)
        }
        return box
    }
}
